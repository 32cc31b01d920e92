package pgembed

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// child is a PostgreSQL process started so that its parent-death signal
// (Pdeathsig, Linux) works. The kernel sends that signal when the *thread*
// that started the child exits, not the process (see syscall.SysProcAttr).
// So the starting goroutine keeps its thread locked until the child has
// exited: a locked thread runs no other goroutine, so nothing else can end
// it (a goroutine that exits while locked takes its thread with it).
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and err is set
	err  error
}

// spawn starts cmd as a child and reaps it when it exits.
func spawn(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Never unlocked; the runtime discards the thread when we return.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

func (c *child) signal(sig syscall.Signal) { _ = c.cmd.Process.Signal(sig) }

// procAttr is how the PostgreSQL programs run: as acct (nil: as ourselves),
// in a process group of their own, so that a terminal's ^C reaches only us
// and we decide when and how the server stops, and where the platform
// allows, stopped when we die.
func procAttr(acct *account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Credential: acct.credential()}
	setParentDeathSignal(attr)
	return attr
}

// shutdownSteps escalate from a fast shutdown (roll back open transactions,
// checkpoint, exit) to an immediate one (exit at once; the next start
// recovers from the WAL) to SIGKILL.
var shutdownSteps = []struct {
	sig  syscall.Signal
	wait time.Duration
}{
	{syscall.SIGINT, 30 * time.Second},
	{syscall.SIGQUIT, 10 * time.Second},
	{syscall.SIGKILL, 10 * time.Second},
}

// shutdown sends each step's signal until exited is closed. ctx cuts short
// the wait for the fast shutdown only: whoever gives up on a clean stop
// still wants the server gone.
func shutdown(ctx context.Context, signal func(syscall.Signal), exited <-chan struct{}) error {
	for i, step := range shutdownSteps {
		signal(step.sig)
		timer := time.NewTimer(step.wait)
		var giveUp <-chan struct{}
		if i == 0 {
			giveUp = ctx.Done()
		}
		select {
		case <-exited:
			timer.Stop()
			return nil
		case <-timer.C:
		case <-giveUp:
			timer.Stop()
		}
	}
	return fmt.Errorf("stop PostgreSQL: still running after %v", shutdownSteps[len(shutdownSteps)-1].sig)
}
