package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// Operations beyond MaxInFlight wait their turn; one that waits longer than
// QueueTimeout is told to come back (503, OVERLOADED, Retry-After) instead
// of piling up, and the operations already running finish normally.
func TestAdmission_WaitingTooLongIsOverloadedAndRetryable(t *testing.T) {
	// The admission step says when an operation holds its slot.
	admitted := make(chan string, 4)
	srv, _ := httpapitest.NewServer(t, service.Config{MaxInFlight: 1, QueueTimeout: 200 * time.Millisecond,
		Admitted: func(ctx context.Context, _ ast.Operation) { admitted <- graphql.GetOperationContext(ctx).RawQuery }})
	ctx := context.Background()

	// Another session holds a lock on customers: a query reading them waits
	// on the database while it holds the only execution slot.
	locker, err := pgx.Connect(ctx, httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	hdr := map[string]string{"Content-Type": "application/json"}
	slow := make(chan httpapitest.Reply, 1)
	go func() {
		slow <- httpapitest.Do(t, "POST", srv.URL+"/graphql", hdr, `{"query":"{ customers(first: 1) { nodes { name } } }"}`)
	}()
	// The slow request holds the only slot; it is executing, and will be
	// blocked on the lock.
	if q := <-admitted; !strings.Contains(q, "customers") {
		t.Fatalf("admitted %q, want the slow request", q)
	}

	began := time.Now()
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", hdr, `{"query":"{ departments(first: 1) { nodes { name } } }"}`)
	waited := time.Since(began)
	if r.Status != 503 || r.Code() != "OVERLOADED" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %q (Retry-After %q), want 503 OVERLOADED with Retry-After", r.Status, r.Code(), r.Header.Get("Retry-After"))
	}
	if waited < 150*time.Millisecond || waited > 5*time.Second {
		t.Fatalf("refused after %s, want about the queue timeout of 200ms", waited)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if first := <-slow; first.Status != 200 || len(first.Errors) > 0 {
		t.Fatalf("the admitted request: %d %+v, want 200 with data", first.Status, first.Errors)
	}
	// The slot is free again.
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", hdr, `{"query":"{ departments(first: 1) { nodes { name } } }"}`); r.Status != 200 {
		t.Fatalf("after the slow request: %d %+v", r.Status, r.Errors)
	}
}
