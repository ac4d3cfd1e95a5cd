// Command sluice is the Sluice hook server and its offline tools:
//
//	sluice serve [--addr :8080]                          run the Metacontroller hooks
//	sluice render [-o yaml|json] [--controller FILE] FILE  print the sync answer for a parent
//	sluice validate FILE...                              report every problem, one per line
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/manifests"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  sluice serve [--addr :8080]
  sluice render [-o yaml|json] [--controller FILE] FILE
  sluice validate FILE...
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
	return srv.Shutdown(shutdown)
}

// render prints what the sync hook answers for a parent with no children yet.
func render(args []string, stdout io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	format := fs.String("o", "yaml", "output format: yaml (a ---separated stream of children, status as a comment) or json")
	controllerFile := fs.String("controller", "", "CompositeController to render under (default: manifests/ with every component)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*format != "yaml" && *format != "json") {
		return fmt.Errorf("render [-o yaml|json] [--controller FILE] FILE")
	}
	resp, err := renderFile(fs.Arg(0), *controllerFile, now)
	if err != nil {
		return err
	}
	if err := writeAnswer(stdout, *format, resp); err != nil {
		return err
	}
	if len(resp.Status.Problems) > 0 {
		return fmt.Errorf("%s: %d problems (see status)", fs.Arg(0), len(resp.Status.Problems))
	}
	return nil
}

// renderFile answers the empty sync request for the parent in file.
func renderFile(file, controllerFile string, now time.Time) (*hooks.Response, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if _, err := graph.Parse(data); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	parent, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if parent.GetNamespace() == "" {
		parent.SetNamespace("default")
	}
	if parent.GetUID() == "" {
		parent.SetUID("00000000-0000-0000-0000-000000000000") // offline: no API server assigned one
	}
	var controllerData []byte
	if controllerFile == "" {
		controllerData, err = manifests.Controller(manifests.DefaultComponents()...)
	} else {
		controllerData, err = os.ReadFile(controllerFile)
	}
	if err != nil {
		return nil, err
	}
	controller, err := decodeObject(controllerData)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	req, err := hooks.EmptyRequest(controller, parent)
	if err != nil {
		return nil, err
	}
	return hooks.Sync(req, now)
}

func decodeObject(data []byte) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, err
	}
	return u, nil
}

// writeAnswer prints an answer as JSON, or as a YAML stream of the children
// preceded by the status as a comment (so the stream stays applyable).
func writeAnswer(w io.Writer, format string, resp *hooks.Response) error {
	if format == "json" {
		b, err := json.MarshalIndent(resp, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	status, err := yaml.Marshal(map[string]any{"status": resp.Status})
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(bytes.TrimSpace(status), []byte("\n")) {
		out.WriteString("# ")
		out.Write(line)
	}
	out.WriteString("\n")
	for _, child := range resp.Children {
		b, err := yaml.Marshal(child.Object)
		if err != nil {
			return err
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// validate reports every problem of every file, one line each.
func validate(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return fmt.Errorf("validate FILE...")
	}
	bad := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		app, err := graph.Parse(data)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", file, err)
			bad++
			continue
		}
		problems := graph.Validate(app)
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s: %s\n", file, p.Error())
		}
		if len(problems) > 0 {
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
