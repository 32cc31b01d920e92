package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The CPU a cell's requests cost each process, from Linux's /proc: the
// server under test and PostgreSQL share the machine's cores with the load
// generator, so a rate says little of where a request's time went; CPU per
// request says it (issue #20: the writes against their ceilings).

// clockTick is the unit of /proc's times (USER_HZ, 100 a second on Linux
// whatever the kernel's own tick).
const clockTick = 10 * time.Millisecond

// procStat is what /proc/PID/stat says of a process's CPU.
type procStat struct {
	ppid   int
	own    time.Duration // utime + stime
	reaped time.Duration // cutime + cstime: its children that ended
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command, in parentheses, may hold spaces: the fields follow its
	// last ')'. Then: state ppid … utime stime cutime cstime (fields 3,
	// 4 and 14–17 of proc(5)).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, errors.New("no command in /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat has %d fields after the command", pid, len(f))
	}
	var n [5]int64
	for k, at := range []int{1, 11, 12, 13, 14} {
		if n[k], err = strconv.ParseInt(f[at], 10, 64); err != nil {
			return procStat{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
	}
	return procStat{ppid: int(n[0]), own: time.Duration(n[1]+n[2]) * clockTick,
		reaped: time.Duration(n[3]+n[4]) * clockTick}, nil
}

// treeCPU is the CPU time pid and its children have used: its own, its
// live children's and its reaped children's. For PostgreSQL's postmaster
// that is the whole server: the backends, the background processes and
// those that ended.
func treeCPU(pid int) (time.Duration, error) {
	root, err := readProcStat(pid)
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of %d: %w", pid, err)
	}
	total := root.own + root.reaped
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if st, err := readProcStat(child); err == nil && st.ppid == pid {
			total += st.own
		}
	}
	return total, nil
}

// postmasterOf is the postmaster of the PostgreSQL backend pid, when it
// runs on this machine (its parent is a process named postgres); 0 when not.
func postmasterOf(backend int) int {
	st, err := readProcStat(backend)
	if err != nil {
		return 0
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", st.ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
		return 0
	}
	return st.ppid
}

// cpuReading is the CPU time of a cell's server and of PostgreSQL at one
// moment; a zero field was not read.
type cpuReading struct{ server, postgres time.Duration }

// perRequest is the CPU each request cost between a and b, in ms (0 where
// either reading is missing).
func perRequest(a, b time.Duration, requests int) float64 {
	if a == 0 || b == 0 || requests == 0 {
		return 0
	}
	return float64(b-a) / float64(time.Millisecond) / float64(requests)
}
