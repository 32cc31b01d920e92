//go:build unix && !linux

package pgembed

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// setParentDeathSignal does nothing: there is no parent-death signal here,
// so a server whose owner died keeps running until the next Start on its
// data directory stops it (see stopLeftovers).
func setParentDeathSignal(*syscall.SysProcAttr) {}

// serverProcesses lists the running processes of a server in dataDir.
// Without /proc it cannot see a process's working directory, so it
// reports the postmaster pid alone, if that runs a postgres (the pid may
// have been reused since); its children stop with it.
func serverProcesses(_ string, postmaster int) ([]int, error) {
	if postmaster <= 0 || syscall.Kill(postmaster, 0) != nil {
		return nil, nil
	}
	out, err := exec.Command("ps", "-o", "comm=", "-p", strconv.Itoa(postmaster)).Output()
	if err != nil || !strings.HasPrefix(filepath.Base(strings.TrimSpace(string(out))), "postgres") {
		return nil, nil
	}
	return []int{postmaster}, nil
}
