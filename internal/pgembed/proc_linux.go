package pgembed

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// setParentDeathSignal makes the server get a fast shutdown if we die,
// even by SIGKILL.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGINT }

// serverProcesses lists the running processes of a server in dataDir: the
// postgres processes whose working directory it is (the postmaster and
// every child change to it), found in /proc, so the postmaster's pid is not
// needed.
func serverProcesses(dataDir string, _ int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		proc := filepath.Join("/proc", e.Name())
		// Unreadable links mean the process is gone (or a zombie).
		cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
		if err != nil || cwd != dataDir {
			continue
		}
		// A shell sitting in the data directory is not ours to stop. The
		// suffix " (deleted)" marks a binary replaced by an upgrade.
		exe, err := os.Readlink(filepath.Join(proc, "exe"))
		if err == nil && strings.HasPrefix(filepath.Base(exe), "postgres") {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
