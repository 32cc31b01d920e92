package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

// A process's tree CPU takes in its children's once they end: what the
// kernel accounted to a child this test ran and waited for.
func TestTreeCPU_TakesInTheChildrenThatEnded(t *testing.T) {
	before, err := treeCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sh", "-c", `i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done`)
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	used := child.ProcessState.UserTime() + child.ProcessState.SystemTime()
	after, err := treeCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if used < 5*clockTick {
		t.Fatalf("the child used %v: too little to tell from a tick", used)
	}
	// /proc counts whole ticks: the child's time may round down by one.
	if got := after - before; got < used-clockTick {
		t.Fatalf("the tree's CPU grew by %v while a child it waited for used %v", got, used)
	}
}

// PostgreSQL's CPU is read where it runs on this machine: its postmaster
// is found from a backend, and the server's CPU grows with the work a
// statement makes it do.
func TestPostmasterOf_ReadsTheLocalServersCPU(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		t.Fatal(err)
	}
	postmaster := postmasterOf(backend)
	if postmaster == 0 {
		t.Fatalf("no postmaster found for backend %d of the test database, which runs on this machine", backend)
	}
	before, err := treeCPU(postmaster)
	if err != nil {
		t.Fatal(err)
	}
	own, err := readProcStat(backend)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT count(*) FROM generate_series(1, 3000000)`); err != nil {
		t.Fatal(err)
	}
	now, err := readProcStat(backend)
	if err != nil {
		t.Fatal(err)
	}
	after, err := treeCPU(postmaster)
	if err != nil {
		t.Fatal(err)
	}
	used := now.own - own.own
	if used < 5*clockTick {
		t.Fatalf("the statement used %v of its backend: too little to tell from a tick", used)
	}
	if got := after - before; got < used {
		t.Fatalf("the server's CPU grew by %v while one of its backends used %v", got, used)
	}
}
