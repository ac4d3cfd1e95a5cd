// Command kubectl-sluice is the kubectl plugin of Sluice (kubectl sluice …):
// deploy, scale, configure, status, list, diff, graph and undeploy of
// StreamingApplications. The cluster flags (--kubeconfig, --context, -n,
// --as, …) are kubectl's, from cli-runtime.
//
// Exit codes: 0 done; 1 the answer is no (problems found, not Ready, a diff
// with changes, a wait that timed out, an undeploy not confirmed); 2 an
// error (a command line to correct, a cluster that refuses or cannot be
// reached).
//
// Install it by copying bin/kubectl-sluice onto the PATH (or with krew,
// cmd/kubectl-sluice/krew.yaml).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
)

// version is stamped at build: make build sets it with -ldflags "-X main.version=…".
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// negative is an answer that is no (exit 1): its message, if any, is printed.
type negative struct{ msg string }

func (n negative) Error() string { return n.msg }

// no returns the negative answer with a message ("" prints nothing).
func no(format string, args ...any) error { return negative{fmt.Sprintf(format, args...)} }

// usageError is a command line to correct (exit 2, with the usage hint).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// env is what every command reads and writes.
type env struct {
	flags       *genericclioptions.ConfigFlags
	in          io.Reader
	out, errOut io.Writer
	now         func() time.Time
	// poll is how often --wait and --watch read the application.
	poll time.Duration
}

func (e *env) client() (*kube.Client, error) { return kube.New(e.flags) }

// run runs the plugin and returns its exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{flags: genericclioptions.NewConfigFlags(true), in: stdin, out: stdout, errOut: stderr, now: time.Now, poll: time.Second}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	var neg negative
	if errors.As(err, &neg) {
		if neg.msg != "" {
			fmt.Fprintln(stderr, "kubectl sluice "+cmd.Name()+": "+neg.msg)
		}
		return 1
	}
	var bad usageError
	if errors.As(err, &bad) || isFlagError(err) {
		fmt.Fprintf(stderr, "kubectl sluice %s: %v\nSee '%s --help'.\n", cmd.Name(), err, cmd.CommandPath())
		return 2
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintln(stderr, "kubectl sluice "+cmd.Name()+": "+line)
	}
	return 2
}

// isFlagError reports cobra's and pflag's command-line errors, which they
// return as plain errors.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "unknown command", "accepts ", "requires at least", "bad flag syntax"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-sluice",
		Short: "Deploy, scale, configure and inspect Sluice StreamingApplications",
		Long: `kubectl sluice drives Sluice StreamingApplications: deploy one from a file
(validated offline first, every default it uses printed), scale a streamlet,
configure its parameters, see its status, list them, preview what an edit
would do to the children and topics (diff), draw its graph, undeploy it.

Exit codes: 0 done; 1 the answer is no (problems, not Ready, a diff with
changes, a timed-out wait, an undeploy not confirmed); 2 an error.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl sluice"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	e.flags.AddFlags(root.PersistentFlags())
	root.AddCommand(deployCommand(e), scaleCommand(e), savepointCommand(e), configureCommand(e), statusCommand(e), listCommand(e),
		diffCommand(e), graphCommand(e), undeployCommand(e), versionCommand(e))
	return root
}

// args checks the number of positional arguments as a usage error.
func args(n int, names string) cobra.PositionalArgs {
	return func(_ *cobra.Command, a []string) error {
		if len(a) != n {
			return usageError{fmt.Sprintf("want %s, got %d arguments", names, len(a))}
		}
		return nil
	}
}

func versionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  args(0, "no argument"),
		RunE: func(*cobra.Command, []string) error {
			v := version
			if v == "" {
				v = "devel"
				if info, ok := debug.ReadBuildInfo(); ok {
					for _, s := range info.Settings {
						if s.Key == "vcs.revision" {
							v = s.Value
						}
					}
				}
			}
			_, err := fmt.Fprintln(e.out, "kubectl-sluice", v)
			return err
		},
	}
}
