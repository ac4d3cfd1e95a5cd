package harness

import (
	"fmt"
	"io"
	"os/exec"
	"syscall"
)

// reaper is a helper process that outlives a crashed test binary: it reads the
// process group ids of the cluster's processes from a pipe and, when the pipe closes
// (normal end, panic, kill), kills those groups and removes the temporary directory.
type reaper struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	dir string
}

const reaperScript = `pgs=()
keep=
while read -r line; do
	case "$line" in
	keep) keep=1 ;;
	*) pgs+=("-$line") ;;
	esac
done
if [ ${#pgs[@]} -gt 0 ]; then kill -KILL -- "${pgs[@]}" 2>/dev/null || true; fi
if [ -z "$keep" ]; then rm -rf -- "$1"; fi
`

func startReaper(dir string) (*reaper, error) {
	cmd := exec.Command("bash", "-c", reaperScript, "reaper", dir)
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start reaper: %w", err)
	}
	return &reaper{cmd: cmd, w: w, dir: dir}, nil
}

func (r *reaper) track(p *process) {
	fmt.Fprintf(r.w, "%d\n", p.cmd.Process.Pid)
}

func (r *reaper) keep() {
	fmt.Fprintln(r.w, "keep")
	r.finish()
}

// finish closes the pipe and waits for the reaper to clean up.
func (r *reaper) finish() {
	r.w.Close()
	_ = r.cmd.Wait()
}
