package admission_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/admission"
	"github.com/bizgraph/bizgraph/internal/apperr"
)

// schema is a stand-in executable schema whose operations do what the
// test tells them: its root field's name is looked up in run, and the
// function's result (or panic) is the operation's execution. A
// subscription sends what its channel carries until it is closed.
type schema struct {
	run     map[string]func(ctx context.Context)
	streams map[string]chan struct{}
}

var theSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { a: Int b: Int c: Int boom: Int }
type Mutation { m: Int }
type Subscription { s1: Int s2: Int }`})

func (*schema) Schema() *ast.Schema { return theSchema }
func (*schema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

func (s *schema) Exec(ctx context.Context) graphql.ResponseHandler {
	field := graphql.GetOperationContext(ctx).Operation.SelectionSet[0].(*ast.Field).Name
	if ch, ok := s.streams[field]; ok {
		return func(ctx context.Context) *graphql.Response {
			select {
			case _, open := <-ch:
				if !open {
					return nil
				}
				return &graphql.Response{Data: json.RawMessage(`{"` + field + `":1}`)}
			case <-ctx.Done():
				return nil
			}
		}
	}
	return func(ctx context.Context) *graphql.Response {
		if f := s.run[field]; f != nil {
			f(ctx)
		}
		return &graphql.Response{Data: json.RawMessage(`{"` + field + `":1}`)}
	}
}

// gate is an executor over s with the admission gate, presenting errors
// with their codes as the server does.
type gate struct {
	*admission.Gate
	exec *executor.Executor
}

func newGate(s *schema, cfg admission.Config) gate {
	g := admission.New(cfg)
	exec := executor.New(s)
	exec.Use(g)
	exec.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Extensions = map[string]any{"code": apperr.CodeOf(err)}
		return e
	})
	return gate{g, exec}
}

// do runs one operation as a transport does; it returns the first
// response and, for a subscription, the handler of the rest.
func (g gate) do(t *testing.T, query string) (*graphql.Response, func() *graphql.Response) {
	t.Helper()
	ctx := graphql.StartOperationTrace(context.Background())
	oc, errs := g.exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query})
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	responses, ctx := g.exec.DispatchOperation(ctx, oc)
	return responses(ctx), func() *graphql.Response { return responses(ctx) }
}

func code(r *graphql.Response) string {
	if r == nil || len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// eventually polls cond, the gate's own account of what it holds, until
// it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Queries and mutations beyond MaxInFlight wait, and are let in in the
// order they arrived as slots come free.
func TestGate_OperationsWaitTheirTurnInArrivalOrder(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	s := &schema{run: map[string]func(context.Context){"a": func(context.Context) { <-release }}}
	running := make(chan string, 3)
	g := newGate(s, admission.Config{MaxInFlight: 1, QueueTimeout: time.Minute, Admitted: func(ctx context.Context, _ ast.Operation) {
		name := graphql.GetOperationContext(ctx).Operation.SelectionSet[0].(*ast.Field).Name
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		running <- name
	}})

	var wg sync.WaitGroup
	start := func(q string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, _ := g.do(t, q); len(r.Errors) > 0 {
				t.Errorf("%s: %v", q, r.Errors)
			}
		}()
	}
	start("{ a }")
	<-running // a holds the only slot
	start("mutation { m }")
	eventually(t, "the mutation to wait", func() bool { return g.Load().Waiting == 1 })
	start("{ b }")
	eventually(t, "b to wait behind it", func() bool { return g.Load().Waiting == 2 })
	if l := g.Load(); l.Executing != 1 {
		t.Fatalf("load %+v, want one executing", l)
	}
	close(release)
	wg.Wait()
	if want := []string{"a", "m", "b"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("admitted in the order %v, want %v", order, want)
	}
	if l := g.Load(); l != (admission.Load{}) {
		t.Fatalf("load after all finished: %+v, want nothing held", l)
	}
}

// One that waits longer than QueueTimeout is OVERLOADED; a panic in
// execution still gives the slot back.
func TestGate_TooLongAWaitIsOverloadedAndAPanicFreesTheSlot(t *testing.T) {
	release := make(chan struct{})
	s := &schema{run: map[string]func(context.Context){
		"a":    func(context.Context) { <-release },
		"boom": func(context.Context) { panic("writing a value out failed") },
	}}
	admitted := make(chan struct{}, 4)
	g := newGate(s, admission.Config{MaxInFlight: 1, QueueTimeout: 100 * time.Millisecond,
		Admitted: func(context.Context, ast.Operation) { admitted <- struct{}{} }})

	done := make(chan *graphql.Response)
	go func() { r, _ := g.do(t, "{ a }"); done <- r }()
	<-admitted
	began := time.Now()
	if r, _ := g.do(t, "{ b }"); code(r) != apperr.Overloaded || len(r.Data) != 0 {
		t.Fatalf("while the slot is held: %+v, want OVERLOADED without data", r)
	}
	if waited := time.Since(began); waited < 100*time.Millisecond {
		t.Fatalf("refused after %s, before the queue timeout", waited)
	}
	close(release)
	if r := <-done; len(r.Errors) > 0 {
		t.Fatalf("the admitted operation: %v", r.Errors)
	}

	func() {
		defer func() { _ = recover() }()
		g.do(t, "{ boom }")
		t.Fatal("the panic did not reach the transport")
	}()
	if r, _ := g.do(t, "{ c }"); len(r.Errors) > 0 {
		t.Fatalf("after a panic: %v, want the slot free again", r.Errors)
	}
}

// Subscriptions hold no execution slot while open; they are counted
// against MaxSubscriptions, and one over it is OVERLOADED.
func TestGate_SubscriptionsAreCountedApart(t *testing.T) {
	first := make(chan struct{}, 1)
	s := &schema{streams: map[string]chan struct{}{"s1": first, "s2": make(chan struct{})}}
	g := newGate(s, admission.Config{MaxInFlight: 1, QueueTimeout: 100 * time.Millisecond, MaxSubscriptions: 1})

	first <- struct{}{}
	r, next := g.do(t, "subscription { s1 }")
	if len(r.Errors) > 0 || string(r.Data) != `{"s1":1}` {
		t.Fatalf("the first event: %+v", r)
	}
	if r, _ := g.do(t, "{ a }"); len(r.Errors) > 0 {
		t.Fatalf("a query beside an open subscription: %v, want it run (the subscription holds no slot)", r.Errors)
	}
	if r, _ := g.do(t, "subscription { s2 }"); code(r) != apperr.Overloaded {
		t.Fatalf("a second subscription over the limit: %+v, want OVERLOADED", r)
	}
	if l := g.Load(); l.Subscriptions != 1 || l.Executing != 0 {
		t.Fatalf("load %+v, want one subscription open and nothing executing", l)
	}
	close(first)
	if r := next(); r != nil {
		t.Fatalf("after the stream closed: %+v, want its end", r)
	}
	if l := g.Load(); l.Subscriptions != 0 {
		t.Fatalf("load %+v after the stream ended, want no subscription open", l)
	}
}

// A shared resolution's Hold is one execution slot, taken in line with
// the queries: while it is held the slots are one fewer. Each subscriber
// of a shared subscription counts against MaxSubscriptions, and stops
// counting when it is done.
func TestGate_HoldTakesASlotSubscribersCountOneByOne(t *testing.T) {
	g := admission.New(admission.Config{MaxInFlight: 1, MaxSubscriptions: 2})
	ctx := context.Background()
	release, err := g.Hold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l := g.Load(); l.Executing != 1 {
		t.Fatalf("executing %d while held; want 1", l.Executing)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := g.Hold(short); err == nil {
		t.Fatal("a second hold got the only slot")
	}
	release()
	release() // once only
	again, err := g.Hold(ctx)
	if err != nil {
		t.Fatalf("the slot was not given back: %v", err)
	}
	again()

	one, err := g.Subscriber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	two, err := g.Subscriber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Subscriber(ctx); apperr.CodeOf(err) != apperr.Overloaded {
		t.Fatalf("a third subscriber over a bound of 2: %v; want OVERLOADED", err)
	}
	one()
	one()
	if l := g.Load(); l.Subscriptions != 1 {
		t.Fatalf("%d subscriptions open; want 1", l.Subscriptions)
	}
	two()
}
