package main

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// The write tests run against the real API over the demo data; the
// statistics tests start PostgreSQL servers of their own.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// The lost-update check against the real API: concurrent writers of one
// project, every attempt a success or a CONFLICT, and the final version
// the initial one plus the successes.
func TestLostUpdate_TheAPILosesNoUpdate(t *testing.T) {
	ctx := context.Background()
	a, err := authenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := httpapitest.NewServer(t, service.Config{Auth: a, Log: slog.New(slog.DiscardHandler)})
	ops, err := loadOperations("../../operations", nil)
	if err != nil {
		t.Fatal(err)
	}
	var op *operation
	for _, o := range ops {
		if o.LostUpdate != nil {
			op = o
		}
	}
	if op == nil {
		t.Fatal("no operation asks for the lost-update check")
	}
	op.LostUpdate.Writers, op.LostUpdate.Attempts = 8, 5
	r, err := runLostUpdate(ctx, httpapitest.URL(), &server{name: "api", url: srv.URL}, op)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Held || r.Attempts != 40 || r.Successes < 1 || r.Successes+r.Conflicts != 40 || r.FinalVersion != r.InitialVersion+int64(r.Successes) {
		t.Errorf("%+v", r)
	}
	t.Logf("%d successes, %d conflicts, version %d → %d", r.Successes, r.Conflicts, r.InitialVersion, r.FinalVersion)
}
