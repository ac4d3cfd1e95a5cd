// Command sluice is the Sluice hook server and its offline tools:
//
//	sluice serve [--addr :8080]                          run the Metacontroller hooks
//	sluice render [-o yaml|json] [--controller FILE] [--time T] FILE  print the sync answer for a parent
//	sluice validate FILE...                              report every problem, one per line
//	sluice graph FILE                                    draw the blueprint in Graphviz's DOT
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/manifests"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  sluice serve [--addr :8080]
  sluice render [-o yaml|json] [--controller FILE] [--time RFC3339] FILE
  sluice validate FILE...
  sluice graph FILE
`

// run dispatches a subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr)
	case "render":
		err = render(args[1:], stdout, time.Now())
	case "validate":
		err = validate(args[1:], stdout)
	case "graph":
		err = drawGraph(args[1:], stdout)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "sluice:", err)
		return 1
	}
	return 0
}

// serve runs the hook server until SIGTERM or SIGINT, then drains: /readyz
// fails first so the Service stops routing, then in-flight calls finish.
func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	drain := fs.Duration("drain", 5*time.Second, "how long /readyz fails before the server stops")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg := hooks.DefaultConfig()
	cfg.Logger = logger
	handler := hooks.NewHandler(cfg)
	srv := &http.Server{
		Addr:              *addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("serving", "addr", *addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("draining", "for", drain.String())
	handler.Drain()
	time.Sleep(*drain)
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// render prints what the sync hook answers for a parent with no children yet.
func render(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	format := fs.String("o", "yaml", "output format: yaml (a ---separated stream of children, status as a comment) or json")
	controllerFile := fs.String("controller", "", "CompositeController to render under (default: manifests/ with every component)")
	at := fs.String("time", "", "time of the answer, RFC 3339 (default now): the conditions' lastTransitionTime; fix it for byte-identical output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "yaml" && *format != "json") {
		return errors.New("usage: sluice render [-o yaml|json] [--controller FILE] [--time RFC3339] FILE")
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("--time: %w", err)
		}
		now = t
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var controller []byte
	if *controllerFile == "" {
		controller, err = manifests.Controller(manifests.DefaultComponents()...)
	} else {
		controller, err = os.ReadFile(*controllerFile)
	}
	if err != nil {
		return err
	}
	resp, err := hooks.Render(data, controller, now)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	if err := hooks.WriteAnswer(stdout, *format, resp); err != nil {
		return err
	}
	if len(resp.Status.Problems) > 0 {
		return fmt.Errorf("%s: %d problems (see status)", fs.Arg(0), len(resp.Status.Problems))
	}
	return nil
}

// validate reports every problem of every file, one line each.
func validate(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: sluice validate FILE [FILE ...]")
	}
	bad := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		// Unknown fields first, then what else is wrong with the rest.
		app, err := graph.Parse(data)
		var lines []string
		if err != nil {
			lines = strings.Split(err.Error(), "\n")
		}
		if app != nil {
			for _, p := range graph.Validate(app) {
				lines = append(lines, p.Error())
			}
		}
		for _, line := range lines {
			fmt.Fprintf(stdout, "%s: %s\n", file, line)
		}
		if len(lines) > 0 {
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s: valid\n", file)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files invalid", bad, len(files))
	}
	return nil
}

// drawGraph prints a valid application's blueprint as a Graphviz digraph.
func drawGraph(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: sluice graph FILE")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	app, err := graph.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	bp, problems := graph.Resolve(app)
	if len(problems) > 0 {
		return fmt.Errorf("%s:\n%w", args[0], problems)
	}
	_, err = io.WriteString(stdout, graph.DOT(bp))
	return err
}
