package write_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The writes are tested against the composed server over the demo data:
// what a client sends is what is checked, rules, transaction and all.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// api is a server over the package's database and a session to check
// what it wrote.
type api struct {
	t   *testing.T
	url string
	db  *pgx.Conn
	// pool is the server's, which counts the statements it sends.
	pool *database.DB
	// audit records the server's sensitive reads; closing it stores what
	// is pending.
	audit *audit.Log
}

func newAPI(t *testing.T) *api {
	t.Helper()
	// The server's log goes to the test's: an internal error is read there.
	// Sensitive reads are recorded, as the binary records them.
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(context.Background()) })
	srv, pool := httpapitest.NewServer(t, service.Config{Policy: policy.New(log),
		Log: slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	a := &api{t: t, url: srv.URL, db: httpapitest.Conn(t), pool: pool, audit: log}
	a.resetAfter()
	return a
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// caller is who sends a request: a token with roles and an employee id.
type caller struct {
	name     string
	employee int64
	roles    []auth.Role
}

func (c caller) token(t *testing.T) string {
	return httpapitest.Token(t, c.employee, c.roles...)
}

// do sends a GraphQL request as c with the extra headers.
func (a *api) do(c caller, query string, vars map[string]any, headers ...string) httpapitest.Reply {
	a.t.Helper()
	return a.send(c.token(a.t), query, vars, headers...)
}

// send is do with a bearer token of the test's own making.
func (a *api) send(token, query string, vars map[string]any, headers ...string) httpapitest.Reply {
	a.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		a.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json",
		"Authorization": "Bearer " + token}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return httpapitest.Do(a.t, "POST", a.url+"/graphql", h, string(body))
}

// ok is do, failing the test on any error.
func (a *api) ok(c caller, query string, vars map[string]any) map[string]any {
	a.t.Helper()
	r := a.do(c, query, vars)
	if len(r.Errors) > 0 || r.Status != 200 {
		a.t.Fatalf("%s: status %d, errors %+v", c.name, r.Status, r.Errors)
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		a.t.Fatal(err)
	}
	return data
}

// one is a single value read with SQL.
func (a *api) one(dest any, sql string, args ...any) {
	a.t.Helper()
	if err := a.db.QueryRow(context.Background(), sql, args...).Scan(dest); err != nil {
		a.t.Fatalf("%s: %v", sql, err)
	}
}

func (a *api) int(sql string, args ...any) int64 {
	a.t.Helper()
	var v int64
	a.one(&v, sql, args...)
	return v
}

// trail is how many audit rows and events there are.
func (a *api) trail() (audit, events int64) {
	return a.int(`SELECT count(*) FROM write_audit`), a.int(`SELECT count(*) FROM events`)
}

// tables the writes touch, restored after each test: the writes of one
// test do not leak into the next.
var touched = []string{"onboarding_tasks", "onboardings", "onboarding_template_tasks", "onboarding_templates", "project_feedback", "timesheets", "time_entries", "assignments", "contacts", "projects", "customers", "employees", "departments"}

// resetAfter snapshots the tables the writes touch and puts them back when
// the test ends (rows added are deleted, rows changed restored, rows
// deleted put back), with the write trail and idempotency keys emptied.
func (a *api) resetAfter() {
	ctx := context.Background()
	for _, tbl := range touched {
		if _, err := a.db.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE IF NOT EXISTS snap_%[1]s AS TABLE %[1]s WITH NO DATA;
			TRUNCATE snap_%[1]s; INSERT INTO snap_%[1]s TABLE %[1]s`, tbl)); err != nil {
			a.t.Fatal(err)
		}
	}
	a.t.Cleanup(func() {
		var q strings.Builder
		q.WriteString("BEGIN;")
		for _, tbl := range touched { // children first
			fmt.Fprintf(&q, `DELETE FROM %[1]s t WHERE NOT EXISTS (SELECT 1 FROM snap_%[1]s s WHERE s.id = t.id);`, tbl)
		}
		for i := len(touched) - 1; i >= 0; i-- { // parents first
			tbl := touched[i]
			cols := columns(a, tbl)
			fmt.Fprintf(&q, `INSERT INTO %[1]s SELECT * FROM snap_%[1]s ON CONFLICT (id) DO NOTHING;
				UPDATE %[1]s t SET (%[2]s) = (%[3]s) FROM snap_%[1]s s WHERE s.id = t.id AND ROW(s.*) IS DISTINCT FROM ROW(t.*);`,
				tbl, cols, "s."+strings.ReplaceAll(cols, ", ", ", s."))
		}
		q.WriteString("TRUNCATE write_audit, events, idempotency_keys, audit_events, external_ids; COMMIT;")
		if _, err := a.db.Exec(ctx, q.String()); err != nil {
			a.t.Errorf("reset the tables the test wrote: %v", err)
		}
	})
}

func columns(a *api, tbl string) string {
	var cols string
	a.one(&cols, `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'`, tbl)
	return cols
}

func gid(typ string, key int64) string { return store.GlobalID(typ, key) }
