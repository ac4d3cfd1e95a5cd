// Command sluice is the Sluice hook server and its offline tools:
//
//	sluice serve [--addr :8080] [--drain 5s] [--tls-cert-file F --tls-key-file F]  run the Metacontroller hooks
//	sluice render [-o yaml|json] [--controller FILE] [--time T] FILE  print the sync answer for every application
//	sluice validate FILE...                              report every problem, one per line
//	sluice diff [-o text|json] [--controller FILE] OLD NEW  what applying NEW over OLD creates, changes and deletes
//	sluice graph [--format dot|mermaid] FILE                                    draw each blueprint in Graphviz's DOT
//	sluice version                                       print the version
//
// A FILE is a YAML stream or a JSON stream of StreamingApplications; "-" is
// standard input. `sluice help COMMAND` or `sluice COMMAND --help` describes
// a command.
package main

import (
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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/graph/draw"
	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/hooks/diff"
	"github.com/sluice-dev/sluice/manifests"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// version is stamped at build: make build sets it to `git describe --tags
// --always --dirty` with -ldflags "-X main.version=…".
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli is what a command reads and writes.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stdinRead is set once "-" has been read: standard input is read once.
	stdinRead bool
}

// command is one subcommand: its name, its synopsis, what it does, and how
// it runs. Help is the synopsis, the text and the flags.
type command struct {
	name, synopsis, summary, text string
	run                           func(c *cli, cmd *command, args []string) error
}

var commands = []*command{
	{name: "serve", synopsis: "sluice serve [--addr :8080] [--drain 5s] [--tls-cert-file FILE --tls-key-file FILE]", run: serve,
		summary: "run the Metacontroller hooks",
		text: `Serves /sync, /finalize, /customize, /healthz, /readyz and /metrics until
SIGTERM or SIGINT, then drains: /readyz fails for --drain, then in-flight
calls finish. With --tls-cert-file and --tls-key-file it serves HTTPS (TLS 1.2
or later) and reads the pair again whenever either file changes, so that a
renewed certificate (cert-manager's, mounted from its Secret) is served
without a restart.`},
	{name: "render", synopsis: "sluice render [-o yaml|json] [--controller FILE] [--time RFC3339] FILE", run: render,
		summary: "print the sync hook's answer for every application in FILE",
		text: `Prints what the sync hook answers for each StreamingApplication of FILE before
any child exists. -o yaml prints, per application, its status as a comment
and then its children as a ---separated stream (fit for kubectl apply -f -);
-o json prints the hook's answer ({"status":…,"children":[…]}), one JSON value
per application. With several applications, a comment line names each in
YAML. Nothing is printed if a document is not a StreamingApplication or does
not parse; the exit is 1 when a status lists problems.

--controller FILE renders under the CompositeController of FILE, which may
hold other documents too (kubectl kustomize manifests/ output): the one whose
parentResource is streamingapplications.sluice.dev is used. By default the
CompositeController of manifests/install/all: every component that adds a
child kind.`},
	{name: "validate", synopsis: "sluice validate FILE...", run: validate,
		summary: "report every problem of every application, one line each",
		text: `Reads every document of each FILE and prints one line per problem, as
FILE: APPLICATION: PATH: PROBLEM, or FILE: APPLICATION: valid. Fields are
checked strictly (an unknown or misspelt field is named), a value of the
wrong type is named with its path, and every other problem of the rest of
the application is reported in the same run. A document that is not a
sluice.dev/v1alpha1 StreamingApplication is named by position and kind.
Exits 1 if any document is invalid.`},
	{name: "diff", synopsis: "sluice diff [-o text|json] [--controller FILE] OLD NEW", run: diffFiles,
		summary: "preview what applying NEW over OLD does to the children",
		text: `Renders OLD as if applied (the sync hook's answer, applied as Metacontroller
applies it), then answers NEW's sync over it with the very function the hook
runs, and prints every child that would be created (+), changed (~, field by
field against what was last applied) or deleted (-), and for every topic
whether it is kept, created, retained, released or deleted. OLD and NEW are
one StreamingApplication each, both valid, with the same name.

Exits 0 when no child changes, 1 when one does, 2 on error (as kubectl diff).
--controller FILE as for render. kubectl sluice diff FILE previews an edit
of a live application.`},
	{name: "graph", synopsis: "sluice graph [--format dot|mermaid] FILE", run: drawGraph,
		summary: "draw each application's blueprint in Graphviz's DOT or as a Mermaid flowchart",
		text: `Prints one drawing per StreamingApplication of FILE: streamlets shaped by
runtime with their scale, an edge per topic and reader labelled with the topic,
existing topics apart. Every application must be valid. --format dot (the
default) is Graphviz's (dot -O writes one file per digraph); --format mermaid
is a Mermaid flowchart, which renders in Markdown without Graphviz.`},
	{name: "version", synopsis: "sluice version", run: printVersion,
		summary: "print the version",
		text:    `Prints the version stamped at build (git describe), else the VCS revision Go recorded, else "devel".`},
}

// usage is the binary's help.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: sluice COMMAND [FLAGS] [ARGS]\n\ncommands:\n")
	for _, cmd := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	b.WriteString("\n")
	for _, cmd := range commands {
		fmt.Fprintf(&b, "  %s\n", cmd.synopsis)
	}
	b.WriteString(`
A FILE is a YAML stream (documents between --- lines) or a JSON stream of
StreamingApplications; - reads standard input. "sluice help COMMAND" or
"sluice COMMAND --help" describes a command.
`)
	return b.String()
}

// Errors of commands that run maps to exit codes.
var errHelp = errors.New("help printed") // exit 0

// errChanges is a diff that found changes (exit 1, nothing more printed).
var errChanges = errors.New("changes found")

// exitError is a failure with its own exit code: diff's errors exit 2.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

// usageError is a command line that does not say what to do (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run dispatches a subcommand and returns the exit code: 0 done (or help
// asked for), 1 failed (problems found), 2 a command line to correct.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(args) > 1 {
			return run([]string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage())
		return 0
	case "-version", "--version":
		name = "version"
	}
	var cmd *command
	for _, c := range commands {
		if c.name == name {
			cmd = c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "sluice: unknown command %q\n\n%s", name, usage())
		return 2
	}
	err := cmd.run(&cli{stdin: stdin, stdout: stdout, stderr: stderr}, cmd, args[1:])
	var bad usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errChanges):
		return 1
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "sluice %s: %s\nusage: %s\n(sluice %[1]s --help says more)\n", cmd.name, bad.msg, cmd.synopsis)
		return 2
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintln(stderr, "sluice:", line)
	}
	if coded, ok := errors.AsType[exitError](err); ok {
		return coded.code
	}
	return 1
}

// parse parses a command's flags, which may come before, between or after
// its arguments ("--" ends the flags), and returns the arguments. -h and
// --help print the command's help on stdout and return errHelp.
func (c *cli) parse(cmd *command, fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(c.stdout, "usage: %s\n\n%s\n", cmd.synopsis, cmd.text)
			if hasFlags(fs) {
				fmt.Fprint(c.stdout, "\nflags:\n")
				fs.SetOutput(c.stdout)
				fs.PrintDefaults()
			}
			return nil, errHelp
		}
		if err != nil {
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); len(rest) == 0 || (n > 0 && args[n-1] == "--") {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// read reads a file, or standard input for "-".
func (c *cli) read(name string) ([]byte, error) {
	if name != "-" {
		return os.ReadFile(name)
	}
	if c.stdinRead {
		return nil, usageError{"- (standard input) can be read only once"}
	}
	c.stdinRead = true
	b, err := io.ReadAll(c.stdin)
	if err != nil {
		return nil, fmt.Errorf("standard input: %w", err)
	}
	return b, nil
}

// display names a file in messages.
func display(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// prefixed prefixes every line of err with prefix.
func prefixed(prefix string, err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = prefix + ": " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}

// serve runs the hook server until SIGTERM or SIGINT, then drains: /readyz
// fails first so the Service stops routing, then in-flight calls finish.
func serve(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	drain := fs.Duration("drain", 5*time.Second, "how long /readyz fails before the server stops")
	certFile := fs.String("tls-cert-file", "", "serve HTTPS with this PEM certificate (with --tls-key-file); re-read when it changes")
	keyFile := fs.String("tls-key-file", "", "the PEM private key of --tls-cert-file")
	rest, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", rest)}
	}
	if (*certFile == "") != (*keyFile == "") {
		return usageError{"--tls-cert-file and --tls-key-file go together"}
	}
	logger := slog.New(slog.NewJSONHandler(c.stderr, nil))
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
	listen := srv.ListenAndServe
	if *certFile != "" {
		files, err := hooks.NewCertificateFiles(*certFile, *keyFile)
		if err != nil {
			return err
		}
		srv.TLSConfig = files.TLSConfig()
		listen = func() error { return srv.ListenAndServeTLS("", "") }
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- listen() }()
	logger.Info("serving", "addr", *addr, "tls", *certFile != "", "version", versionString())
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

// controller reads the CompositeController of --controller FILE (among
// other documents or alone), or the default one: manifests/install/all's.
func (c *cli) controller(file string) (*unstructured.Unstructured, error) {
	var data []byte
	var err error
	if file == "" {
		data, err = manifests.Controller(manifests.DefaultComponents()...)
	} else {
		data, err = c.read(file)
	}
	if err != nil {
		return nil, err
	}
	controller, err := hooks.Controller(data)
	if err != nil {
		return nil, fmt.Errorf("--controller %s: %w", display(file), err)
	}
	return controller, nil
}

// render prints what the sync hook answers for each parent of a file with
// no children yet.
func render(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	format := fs.String("o", "yaml", "output format: yaml (per application, the status as a comment, then a ---separated stream of children) or json")
	controllerFile := fs.String("controller", "", "a file holding the CompositeController to render under, among other documents or alone (default: manifests/install/all, every child-kind component)")
	at := fs.String("time", "", "time of the answer, RFC 3339 (default now): the conditions' lastTransitionTime; fix it for byte-identical output")
	rest, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 1:
		return usageError{fmt.Sprintf("want one FILE, got %d arguments", len(rest))}
	case *format != "yaml" && *format != "json":
		return usageError{fmt.Sprintf("-o %s: want yaml or json", *format)}
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError{fmt.Sprintf("--time: %v", err)}
		}
		now = t
	}
	controller, err := c.controller(*controllerFile)
	if err != nil {
		return err
	}
	file := display(rest[0])
	data, err := c.read(rest[0])
	if err != nil {
		return err
	}
	answers, err := hooks.RenderStream(data, controller, now)
	if err != nil {
		return prefixed(file, err)
	}
	var problems []string
	for _, a := range answers {
		if len(answers) > 1 && *format == "yaml" {
			fmt.Fprintf(c.stdout, "# StreamingApplication %s\n", a.Name)
		}
		if err := hooks.WriteAnswer(c.stdout, *format, a.Response); err != nil {
			return err
		}
		if n := len(a.Response.Status.Problems); n > 0 {
			problems = append(problems, fmt.Sprintf("%s: %s: %d problems (see its status)", file, a.Name, n))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// validate reports every problem of every application of every file, one
// line each.
func validate(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	files, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"name at least one FILE (- for standard input)"}
	}
	total, bad, unread := 0, 0, 0
	for _, name := range files {
		file := display(name)
		data, err := c.read(name)
		if err != nil {
			if errors.As(err, new(usageError)) {
				return err
			}
			fmt.Fprintln(c.stderr, "sluice:", err)
			unread++
			continue
		}
		n, invalid := c.validateFile(file, data)
		total, bad = total+n, bad+invalid
	}
	var failed []string
	if bad > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d documents invalid", bad, total))
	}
	if unread > 0 {
		failed = append(failed, fmt.Sprintf("%d of %d files unreadable", unread, len(files)))
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, ", "))
	}
	return nil
}

// validateFile prints each document of a file as valid or its problems,
// and counts the documents and the invalid ones (a file that holds no
// application, or does not parse, counts as one invalid).
func (c *cli) validateFile(file string, data []byte) (total, bad int) {
	docs, err := graph.ParseAll(data)
	for _, d := range docs {
		total++
		// Unknown fields and values of the wrong type first, then what
		// else is wrong with the rest.
		var lines []string
		if d.Err != nil {
			lines = strings.Split(d.Err.Error(), "\n")
		}
		if d.App != nil {
			lines = append(lines, graph.Validate(d.App).Strings()...)
		}
		for _, line := range lines {
			fmt.Fprintf(c.stdout, "%s: %s: %s\n", file, d.Label, line)
		}
		if len(lines) > 0 {
			bad++
			continue
		}
		fmt.Fprintf(c.stdout, "%s: %s: valid\n", file, d.Label)
	}
	switch {
	case err != nil:
		fmt.Fprintf(c.stdout, "%s: %v\n", file, err)
		return total + 1, bad + 1
	case len(docs) == 0:
		fmt.Fprintf(c.stdout, "%s: no StreamingApplication\n", file)
		return total + 1, bad + 1
	}
	return total, bad
}

// diffFiles previews applying NEW over OLD: see the diff package.
func diffFiles(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	format := fs.String("o", "text", "output format: text or json")
	controllerFile := fs.String("controller", "", "a file holding the CompositeController to answer under, among other documents or alone (default: manifests/install/all, every child-kind component)")
	rest, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 2:
		return usageError{fmt.Sprintf("want OLD and NEW, got %d arguments", len(rest))}
	case *format != "text" && *format != "json":
		return usageError{fmt.Sprintf("-o %s: want text or json", *format)}
	}
	failed := func(err error) error { return exitError{code: 2, err: err} }
	controller, err := c.controller(*controllerFile)
	if err != nil {
		return failed(err)
	}
	var data [2][]byte
	for i, name := range rest {
		if data[i], err = c.read(name); err != nil {
			if errors.As(err, new(usageError)) {
				return err
			}
			return failed(err)
		}
	}
	res, err := diff.Offline(data[0], data[1], controller, time.Now())
	if err != nil {
		return failed(err)
	}
	if *format == "json" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return failed(err)
		}
		_, err = fmt.Fprintf(c.stdout, "%s\n", b)
		if err != nil {
			return failed(err)
		}
	} else if err := res.Write(c.stdout); err != nil {
		return failed(err)
	}
	if res.Changed {
		return errChanges
	}
	return nil
}

// drawGraph prints each application's blueprint as a Graphviz digraph;
// every application of the file must be valid.
func drawGraph(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	format := fs.String("format", "dot", "dot (Graphviz) or mermaid (renders in Markdown, needs no Graphviz)")
	rest, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{fmt.Sprintf("want one FILE, got %d arguments", len(rest))}
	}
	write := draw.DOT
	switch *format {
	case "dot":
	case "mermaid":
		write = draw.Mermaid
	default:
		return usageError{fmt.Sprintf("--format %q: want dot or mermaid", *format)}
	}
	file := display(rest[0])
	data, err := c.read(rest[0])
	if err != nil {
		return err
	}
	docs, err := graph.ParseAll(data)
	var failed []string
	var out strings.Builder
	for _, d := range docs {
		if d.Err != nil {
			failed = append(failed, prefixed(file+": "+d.Label, d.Err).Error())
			continue
		}
		bp, problems := graph.Resolve(d.App)
		if len(problems) > 0 {
			failed = append(failed, prefixed(file+": "+d.Label, problems).Error())
			continue
		}
		out.WriteString(write(bp, nil))
	}
	switch {
	case err != nil:
		failed = append(failed, file+": "+err.Error())
	case len(docs) == 0:
		failed = append(failed, file+": no StreamingApplication")
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	_, err = io.WriteString(c.stdout, out.String())
	return err
}

// printVersion prints the version.
func printVersion(c *cli, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	rest, err := c.parse(cmd, fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", rest)}
	}
	_, err = fmt.Fprintln(c.stdout, "sluice", versionString())
	return err
}

func versionString() string {
	info, ok := debug.ReadBuildInfo()
	return versionOf(version, info, ok)
}

// versionOf is the version to print: the one stamped at build, else the VCS
// revision the go command recorded (with -dirty for a modified tree), else
// the module version (go install …@v1.2.3), else "devel".
func versionOf(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" {
		return stamped
	}
	if !ok {
		return "devel"
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	switch {
	case revision != "" && modified == "true":
		return revision + "-dirty"
	case revision != "":
		return revision
	case info.Main.Version != "" && info.Main.Version != "(devel)":
		return info.Main.Version
	}
	return "devel"
}
