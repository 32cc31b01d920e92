package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bizgraph/bizgraph/internal/childproc"
)

// build compiles pkg into dir and returns the binary's path.
func build(ctx context.Context, goCmd, dir, name, pkg string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return out, nil
}

// server is a server under test, run as a child process so that its memory
// and CPU are its own.
type server struct {
	*childproc.Process
	name string
	url  string // base URL on loopback
}

// start runs bin with env added to the harness's environment and waits
// until it answers GET /readyz.
func start(ctx context.Context, name, bin, logDir string, env []string, args ...string) (*server, error) {
	addr, err := childproc.FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := childproc.Start(filepath.Join(logDir, name+".log"), name, append(env, "ADDR="+addr), bin, args...)
	if err != nil {
		return nil, err
	}
	s := &server{Process: p, name: name, url: "http://" + addr}
	if err := p.Await(ctx, s.url+"/readyz", nil); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop asks the server to shut down, and kills it if it does not. Stopping
// a stopped server does nothing.
func (s *server) stop() {
	if s != nil {
		s.Stop(15 * time.Second)
	}
}

// resetPeakRSS starts a new peak: writing 5 to clear_refs sets the
// process's VmHWM to its current resident size (Linux ≥ 4.0). It reports
// whether that worked; if not, peaks are over the process's life so far.
func (s *server) resetPeakRSS() bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.Pid()), []byte("5"), 0) == nil
}

// peakRSS is the process's peak resident set size (VmHWM) in bytes.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.Pid()))
	if err != nil {
		return 0, fmt.Errorf("read %s's memory: %w", s.name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}
