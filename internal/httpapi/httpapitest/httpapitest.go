// Package httpapitest serves the real API, over a real database seeded with
// the demo data, to the tests of the HTTP side (httpapi, playground): the
// tests speak HTTP to what the binary serves, not to a stand-in.
package httpapitest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/seed"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// dbURL is the test package's database.
var dbURL string

// Main runs a test package: it gives the package a migrated database of its
// own seeded at the demo scale (0.01, seed 1, so rows are the same on every
// run), runs the tests and drops the database. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }
func Main(m *testing.M) int {
	return testdb.Run(m, testdb.Options{Prepare: func(ctx context.Context, url string) error {
		_, err := seed.Run(ctx, url, seed.Options{Scale: 0.01, Seed: 1})
		return err
	}}, &dbURL)
}

// Conn opens a plain session on the package's database, closed when the
// test ends: for expected answers computed with SQL, locks held by another
// session, or a look at pg_stat_activity.
func Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// LockTable makes another session hold an exclusive lock on table of the
// database at url until the test ends or the returned transaction does,
// so the API's statements reading it wait on the database: how tests
// make a request slow.
func LockTable(t testing.TB, url, table string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	return tx
}

// FreePort is a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// URL is the package's database, for tests that compute expected answers
// with plain SQL or build the handler themselves.
func URL() string { return dbURL }

// NewServer serves service.New(cfg) over the package's database, composed
// as the binary composes it, with a connection pool of its own (returned,
// so a test can read rows or close it to play a database outage). Both
// close with the test. cfg's DB and Log are filled in, its page limits are
// 20 by default and 100 at most, and Auth is filled in when nil: then a
// request without credentials acts as Admin (tests that are not about
// authentication), and tokens from Token and API keys work as in
// production.
func NewServer(t testing.TB, cfg service.Config) (*httptest.Server, *database.DB) {
	t.Helper()
	return NewServerWith(t, cfg, database.Options{MaxOpenConns: 4})
}

// NewServerWith is NewServer with the pool opened with opts, and with
// cfg's Store and Log kept when set.
func NewServerWith(t testing.TB, cfg service.Config, opts database.Options) (*httptest.Server, *database.DB) {
	t.Helper()
	return serve(t, dbURL, cfg, opts)
}

// NewLiveServer serves the API with subscriptions over a copy of the
// package's database of the test's own (the test writes, and what it
// writes goes with the copy), fed by a live feed that stops with the
// test. Unless cfg.Auth says otherwise, it authenticates as in
// production (Token and API keys; nothing without a credential). It
// returns the server, its pool and the feed.
func NewLiveServer(t testing.TB, cfg service.Config) (*httptest.Server, *database.DB, *live.Feed) {
	t.Helper()
	return newLiveServer(t, testdb.Fresh(t), cfg)
}

// NewAuditedLiveServer is NewLiveServer whose policy records the reads of
// sensitive fields in the copy's audit_events (cfg.Policy is replaced);
// the log's Close stores what was recorded.
func NewAuditedLiveServer(t testing.TB, cfg service.Config) (*httptest.Server, *database.DB, *live.Feed, *audit.Log) {
	t.Helper()
	url := testdb.Fresh(t)
	log, err := audit.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open the audit log: %v", err)
	}
	t.Cleanup(func() { _ = log.Close(context.Background()) })
	cfg.Policy = policy.New(log)
	srv, db, feed := newLiveServer(t, url, cfg)
	return srv, db, feed, log
}

func newLiveServer(t testing.TB, url string, cfg service.Config) (*httptest.Server, *database.DB, *live.Feed) {
	t.Helper()
	db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("open the test database: %v", err)
	}
	feed := live.New(live.Config{URL: url, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { feed.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; _ = db.Close() })
	cfg.Live = feed
	if cfg.Auth == nil {
		cfg.Auth = Authenticator(t, db, nil) // as in production: a credential or nothing
	}
	srv, pool := serve(t, url, cfg, database.Options{MaxOpenConns: 4})
	// First of all (cleanups run last first): subscribers are told to go,
	// so the server's Close does not wait for their streams.
	t.Cleanup(func() { _ = feed.Shutdown(ctx) })
	return srv, pool, feed
}

func serve(t testing.TB, url string, cfg service.Config, opts database.Options) (*httptest.Server, *database.DB) {
	t.Helper()
	db, err := database.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("open the test database: %v", err)
	}
	if cfg.Auth == nil {
		cfg.Auth = Authenticator(t, db, Admin)
	}
	cfg.DB = db
	if cfg.PageLimits == (page.Limits{}) {
		cfg.PageLimits = page.Limits{Default: 20, Max: 100}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := httptest.NewServer(service.New(cfg))
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	return srv, db
}

// Reply is a response as a test reads it: status, headers, the bytes as
// sent (the client does not decompress), and, for a JSON body, the GraphQL
// response in it.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte

	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Code is the first error's extensions.code, or "" without errors.
func (r Reply) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// client leaves bodies as sent, so tests see Content-Encoding at work.
var client = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// Do sends a request with the given headers and reads the whole reply.
func Do(t testing.TB, method, target string, header map[string]string, body string) Reply {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	r := Reply{Status: res.StatusCode, Header: res.Header}
	if r.Body, err = io.ReadAll(res.Body); err != nil {
		t.Fatalf("read the response to %s %s: %v", method, target, err)
	}
	// A batch's answer is an array; the test decodes it itself.
	if strings.Contains(res.Header.Get("Content-Type"), "json") && res.Header.Get("Content-Encoding") == "" &&
		!strings.HasPrefix(string(r.Body), "[") {
		if err := json.Unmarshal(r.Body, &r); err != nil {
			t.Fatalf("decode the response to %s %s: %v\n%s", method, target, err, r.Body)
		}
	}
	return r
}

// GetTarget is the URL of a GraphQL request over GET to the API at base
// (a server's URL, or "" for the path alone); empty parameters are left
// out.
func GetTarget(base, query, variables, operationName string) string {
	v := url.Values{}
	for _, p := range [][2]string{{"query", query}, {"variables", variables}, {"operationName", operationName}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	return base + "/graphql?" + v.Encode()
}

// Secret signs the tests' HS256 tokens.
const Secret = "bizgraph-test-secret-of-at-least-32-bytes"

// JWT is the tests' token configuration.
var JWT = auth.JWTConfig{Secret: Secret, Issuer: "bizgraph-test", Audience: "bizgraph"}

// Admin is the identity of a test request without credentials, for tests
// that are not about who may see what.
var Admin = &auth.Identity{Subject: "test", Roles: []auth.Role{auth.Admin}}

// Authenticator accepts the tests' tokens (Token) and the API keys in db;
// a request without credentials is anonymous (nil: refused with 401).
func Authenticator(t testing.TB, db *database.DB, anonymous *auth.Identity) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(context.Background(), auth.Config{JWT: JWT, Keys: auth.NewAPIKeys(db), Anonymous: anonymous})
	if err != nil {
		t.Fatalf("make the test authenticator: %v", err)
	}
	return a
}

// Token is a valid bearer token for subject with roles; employeeID 0 for
// none.
func Token(t testing.TB, employeeID int64, roles ...auth.Role) string {
	t.Helper()
	tok, err := auth.Mint(JWT, auth.MintOptions{Subject: "test-" + string(roles[0]), Roles: roles,
		EmployeeID: employeeID, TTL: time.Hour})
	if err != nil {
		t.Fatalf("mint a test token: %v", err)
	}
	return tok
}
