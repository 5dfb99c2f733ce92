package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds a command when the resource sets no customTimeouts: a hung script must not hang the
// deployment forever.
const DefaultTimeout = 30 * time.Minute

// invocation is one run of a create, update or delete command.
type invocation struct {
	label       string // "create", "update" or "delete": used in errors instead of the (possibly secret) command
	script      string
	interpreter []string
	dir         string
	env         map[string]string
	stdin       *string
}

// run executes the command under ctx's deadline (customTimeouts) or DefaultTimeout, killing the whole process
// group on timeout so that children of the shell do not outlive it.
func (in invocation) run(ctx context.Context) (stdout, stderr string, err error) {
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	interpreter := in.interpreter
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interpreter[1:]...), in.script)
	cmd := exec.CommandContext(ctx, interpreter[0], args...)
	cmd.Dir = in.dir
	cmd.Env = os.Environ()
	for k, v := range in.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if in.stdin != nil {
		cmd.Stdin = strings.NewReader(*in.stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut

	start := time.Now()
	err = cmd.Run()
	stdout, stderr = strings.TrimSuffix(out.String(), "\n"), strings.TrimSuffix(errOut.String(), "\n")
	if err == nil {
		return stdout, stderr, nil
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return stdout, stderr, fmt.Errorf("%s command timed out after %s (raise customTimeouts to allow longer)",
			in.label, time.Since(start).Round(time.Second))
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return stdout, stderr, fmt.Errorf("%s command exited with code %d%s", in.label, exitErr.ExitCode(), tail(stderr))
	}
	return stdout, stderr, fmt.Errorf("%s command could not start (interpreter %q): %w", in.label, interpreter[0], err)
}

// tail keeps the last lines of stderr for the error message, which is what usually explains a failure.
func tail(stderr string) string {
	if stderr == "" {
		return ""
	}
	lines := strings.Split(stderr, "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return ": " + strings.Join(lines, "\n")
}
