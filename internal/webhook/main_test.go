package webhook_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/testdb"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

var dbURL string

func TestMain(m *testing.M) {
	// The kill test runs the delivering process as this binary, with
	// the database it names (killWorker).
	if url := os.Getenv("WEBHOOK_TEST_WORKER_DB"); url != "" {
		os.Exit(runWorker(url))
	}
	os.Exit(testdb.Run(m, testdb.Options{}, &dbURL))
}

// testConfig delivers fast: small timeouts and backoffs, a frequent sweep.
func testConfig() webhook.Config {
	return webhook.Config{AllowPrivateNetworks: true, Timeout: time.Second, RetryBase: 100 * time.Millisecond,
		RetryMax: 2 * time.Second, SweepInterval: 200 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond}
}

// runWorker delivers from url until it is killed or interrupted.
func runWorker(url string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := database.Open(ctx, url, database.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := webhook.New(db, policy.Firm, testConfig())
	if err := s.Start(ctx, url); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("delivering")
	<-ctx.Done()
	_ = s.Stop(context.Background())
	return 0
}

// asAdmin is a context acting as an admin.
func asAdmin() context.Context {
	return auth.With(context.Background(), &auth.Identity{Subject: "admin", Roles: []auth.Role{auth.Admin}})
}

// fixture is a database of the test's own with the service over it.
type fixture struct {
	t   testing.TB
	url string
	db  *database.DB
	svc *webhook.Service
}

// newFixture prepares the service; deliver starts it in this process.
func newFixture(t testing.TB, cfg webhook.Config, deliver bool) *fixture {
	t.Helper()
	url := testdb.Fresh(t)
	db, err := database.Open(context.Background(), url, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	svc := webhook.New(db, policy.Firm, cfg)
	t.Cleanup(func() { events.SetHook(nil, "") })
	if deliver {
		if err := svc.Start(context.Background(), url); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := svc.Stop(ctx); err != nil {
				t.Error(err)
			}
		})
	} else {
		svc.HookWrites()
	}
	f := &fixture{t: t, url: url, db: db, svc: svc}
	t.Cleanup(f.explain)
	return f
}

// explain logs, when the test failed, the jobs and deliveries it left.
func (f *fixture) explain() {
	if !f.t.Failed() {
		return
	}
	var jobs []struct {
		Kind, State, Args string
		Errors            *string
	}
	_ = f.db.WithContext(context.Background()).Raw(`SELECT kind, state::text, args::text, errors::text FROM river_job ORDER BY id`).Scan(&jobs).Error
	for _, j := range jobs {
		f.t.Logf("job %s %s %s errors=%v", j.Kind, j.State, j.Args, deref(j.Errors))
	}
	var ds []struct {
		ID, Attempts   int
		Entity, Status string
	}
	_ = f.db.WithContext(context.Background()).Raw(`SELECT id, entity, status, attempts FROM webhook_deliveries ORDER BY id`).Scan(&ds).Error
	f.t.Logf("deliveries: %+v", ds)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// write commits one transaction appending an event per entity given, each
// with its sequence number in its data.
func (f *fixture) write(seq int, entities ...string) {
	f.t.Helper()
	if err := f.writeTx(seq, nil, entities...); err != nil {
		f.t.Fatal(err)
	}
}

// writeTx is write ending with fail's error (nil: commit).
func (f *fixture) writeTx(seq int, fail error, entities ...string) error {
	return f.db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		for _, e := range entities {
			if err := events.Append(ctx, tx, events.Event{Type: events.ProjectUpdated, EntityType: "Project", EntityID: e,
				Actor: "test", Data: map[string]any{"seq": seq, "entity": e}}); err != nil {
				return err
			}
		}
		return fail
	})
}

// endpoint registers url for types; it returns the endpoint and secret.
func (f *fixture) endpoint(url string, types ...string) (*webhook.Endpoint, string) {
	f.t.Helper()
	created, err := f.svc.CreateEndpoint(asAdmin(), webhook.EndpointInput{URL: url, EventTypes: types})
	if err != nil {
		f.t.Fatal(err)
	}
	return created.Endpoint, created.Secret
}

// message is one request the receiver got.
type message struct {
	ID      string
	Headers map[string]string
	Body    string
	Type    string
	Seq     int
	Entity  string
	Status  int // what the receiver answered
}

// receiver is a real HTTP server receiving webhooks: it answers each
// request as answer says and keeps every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []message
	changed  chan struct{}
	answer   func(n int, m message, w http.ResponseWriter, r *http.Request) int
	requests int
}

func newReceiver(t testing.TB, answer func(n int, m message, w http.ResponseWriter, r *http.Request) int) *receiver {
	rc := &receiver{changed: make(chan struct{}, 1), answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m := message{ID: r.Header.Get("webhook-id"), Body: string(b), Headers: map[string]string{
			"webhook-id": r.Header.Get("webhook-id"), "webhook-timestamp": r.Header.Get("webhook-timestamp"),
			"webhook-signature": r.Header.Get("webhook-signature")}}
		var body struct {
			Type string
			Data struct {
				Seq    int
				Entity string
			}
		}
		_ = json.Unmarshal(b, &body)
		m.Type, m.Seq, m.Entity = body.Type, body.Data.Seq, body.Data.Entity
		rc.mu.Lock()
		n := rc.requests
		rc.requests++
		rc.mu.Unlock()
		m.Status = http.StatusNoContent
		if rc.answer != nil {
			m.Status = rc.answer(n, m, w, r)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, m)
		rc.mu.Unlock()
		select {
		case rc.changed <- struct{}{}:
		default:
		}
		if m.Status != 0 {
			w.WriteHeader(m.Status)
			_, _ = io.WriteString(w, "received")
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// messages are the requests received so far.
func (rc *receiver) messages() []message {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// delivered are the messages answered with success, first receipt of each
// id only (the receiver's deduplication), in the order they came.
func (rc *receiver) delivered() []message {
	var out []message
	seen := map[string]bool{}
	for _, m := range rc.messages() {
		if m.Status >= 200 && m.Status < 300 && !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

// await waits until cond holds of what was received, woken by each
// request; it fails the test after a minute.
func (rc *receiver) await(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(time.Minute)
	for !cond() {
		select {
		case <-rc.changed:
		case <-deadline:
			t.Fatalf("after a minute, still waiting for %s; received %d requests", what, len(rc.messages()))
		}
	}
}

// inOrder checks that each entity's delivered messages came in the order
// of their sequence numbers, and that want of each arrived.
func inOrder(t *testing.T, got []message, entities []string, want int) {
	t.Helper()
	last := map[string]int{}
	count := map[string]int{}
	for _, m := range got {
		if prev, ok := last[m.Entity]; ok && m.Seq <= prev {
			t.Errorf("entity %s: seq %d arrived after %d", m.Entity, m.Seq, prev)
		}
		last[m.Entity] = m.Seq
		count[m.Entity]++
	}
	for _, e := range entities {
		if count[e] != want {
			t.Errorf("entity %s: %d events delivered, want %d", e, count[e], want)
		}
	}
}

// verifier checks signatures with the Standard Webhooks reference library
// for TypeScript under Node (verifytest/): an implementation other than
// the one that signed.
type verifier struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Scanner
}

func newVerifier(t *testing.T) *verifier {
	t.Helper()
	dir, err := filepath.Abs("verifytest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("this test verifies signatures under Node.js: install node (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	cmd := exec.Command("node", "verify.mjs")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	return &verifier{in: in, out: bufio.NewScanner(out)}
}

// verify returns "ok" or why the reference library refused m with secret.
func (v *verifier) verify(t *testing.T, secret string, m message) string {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"secret": secret, "headers": m.Headers, "body": m.Body})
	if _, err := v.in.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
	if !v.out.Scan() {
		t.Fatalf("verifier ended: %v", v.out.Err())
	}
	return v.out.Text()
}

// verifyAll checks every message's signature with secret.
func (v *verifier) verifyAll(t *testing.T, secret string, ms []message) {
	t.Helper()
	for _, m := range ms {
		if got := v.verify(t, secret, m); got != "ok" {
			t.Errorf("message %s: %s", m.ID, got)
		}
	}
}

func entityNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "P" + strconv.Itoa(i+1)
	}
	return out
}
