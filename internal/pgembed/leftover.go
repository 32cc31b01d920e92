package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopLeftovers clears what an earlier run that crashed left in the data
// directory, so that it cannot block this start. A clean shutdown removes
// postmaster.pid, so the file means a crash, or a server still running.
//
// We hold the data directory's lock, so no live Server owns a postgres
// still running there: it is an orphan (its owner died where there is no
// parent-death signal, or someone started it by hand), or the children of
// a killed postmaster on their way out. We stop an orphan as Stop would
// (reusing it would mean trusting its settings and port) and wait for them
// all to go: until they have, postgres refuses to start on the shared memory
// they still hold. If nothing runs there, the file is stale and goes too:
// its pid may belong to an unrelated process by now, which postgres would
// take for a rival server.
func stopLeftovers(ctx context.Context, dataDir string, log io.Writer) error {
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	pid, err := readPID(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		// Unreadable or garbled (a crash while writing it): nobody to stop
		// by pid, but children may linger all the same.
		fmt.Fprintf(log, "pgembed: ignoring %s: %v\n", pidFile, err)
	}
	procs, err := serverProcesses(dataDir, pid)
	if err != nil {
		return fmt.Errorf("look for leftover PostgreSQL processes: %w", err)
	}
	if len(procs) > 0 {
		fmt.Fprintf(log, "pgembed: stopping leftover PostgreSQL processes %v in %s\n", procs, dataDir)
		if err := stopProcesses(ctx, dataDir, pid); err != nil {
			return fmt.Errorf("stop leftover PostgreSQL: %w", err)
		}
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale postmaster.pid: %w", err)
	}
	return nil
}

// stopProcesses shuts down the server processes in dataDir whose
// postmaster, if still alive, is pid.
func stopProcesses(ctx context.Context, dataDir string, pid int) error {
	signal := func(sig syscall.Signal) {
		procs, _ := serverProcesses(dataDir, pid)
		for _, p := range procs {
			// The fast shutdown is the postmaster's to run; only the
			// harsher signals go to every process.
			if sig != syscall.SIGINT || p == pid {
				_ = syscall.Kill(p, sig)
			}
		}
	}
	gone := make(chan struct{})
	stopPolling := make(chan struct{})
	defer close(stopPolling)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if procs, err := serverProcesses(dataDir, pid); err == nil && len(procs) == 0 {
				close(gone)
				return
			}
			select {
			case <-tick.C:
			case <-stopPolling:
				return
			}
		}
	}()
	return shutdown(ctx, signal, gone)
}

// readPID reads the postmaster's pid, the first line of postmaster.pid.
func readPID(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("no pid in first line %q", line)
	}
	return pid, nil
}
