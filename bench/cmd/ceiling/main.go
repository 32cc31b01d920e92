// Command ceiling answers one page of bizgraph's data, the benchmark's
// nested page (bench/operations/03_nested_page.graphql: the first 50
// customers, each one's first 10 projects, each project's team with the
// employee's name and department), with hand-written SQL through pgx and
// encoding/json: no GraphQL, no ORM, no resolvers. It is the load
// benchmark's ceiling, the throughput this machine gives for that page when
// nothing but the rows and the JSON cost anything; the API's throughput is
// reported as a fraction of it (../shared/PERFORMANCE.md measured the same
// design at ~490 rps on this kind of machine at scale 0.1).
//
// It knows only this page and the benchmark's two writes (writes.go): a
// request whose query calls logTime or updateProject is that write, with
// the request's variables; any other request is the nested page, whatever
// it says. The harness (bench/cmd/load) checks that its answer to the page
// is byte for byte the API's, and that its answers to the writes have the
// API's fields, before it measures either.
//
//	DATABASE_URL=postgres://… ADDR=127.0.0.1:8081 ceiling
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The page's sizes, as the operation asks for them.
const (
	customersPerPage = 50
	projectsPerPage  = 10
	teamPerPage      = 100
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	url, addr := os.Getenv("DATABASE_URL"), os.Getenv("ADDR")
	if url == "" || addr == "" {
		return errors.New("set DATABASE_URL and ADDR")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	// The same pool size as the API's (DB_MAX_CONNS), so neither has more
	// database connections to work with.
	cfg.MaxConns = 16
	if s := os.Getenv("DB_MAX_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("DB_MAX_CONNS: %q is not a positive number", s)
		}
		cfg.MaxConns = int32(n)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	defer pool.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		body, err := answer(r.Context(), pool, r.Body)
		var refused *answerError
		switch {
		case errors.As(err, &refused):
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(refused.status)
			_, _ = w.Write(refused.body())
			return
		case err != nil:
			log.Print(err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := pool.Ping(r.Context()); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// answer answers a request: one of the writes by its query, else the
// nested page.
func answer(ctx context.Context, pool *pgxpool.Pool, r io.Reader) ([]byte, error) {
	var req struct {
		Query     string          `json:"query"`
		Variables json.RawMessage `json:"variables"`
	}
	if err := json.NewDecoder(r).Decode(&req); err != nil {
		return nil, refuse(http.StatusBadRequest, apperr.BadRequest, "read the request: %v", err)
	}
	switch {
	case strings.Contains(req.Query, "logTime("):
		body, err := logWeek(ctx, pool, req.Variables)
		return body, wrap("log week", err)
	case strings.Contains(req.Query, "updateProject("):
		body, err := moveProject(ctx, pool, req.Variables)
		return body, wrap("move project", err)
	}
	body, err := nestedPage(ctx, pool)
	return body, wrap("nested page", err)
}

// wrap says what failed, except of a refusal, which is the answer.
func wrap(what string, err error) error {
	var refused *answerError
	if err == nil || errors.As(err, &refused) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// encode writes an answer as GraphQL servers do: without escaping <, >
// and &, which encoding/json does unless told not to.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The response, field for field in the order the operation selects them,
// which is the order GraphQL answers in.
type (
	response struct {
		Data struct {
			Customers struct {
				Nodes []*customer `json:"nodes"`
			} `json:"customers"`
		} `json:"data"`
	}
	customer struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Projects struct {
			Nodes []*project `json:"nodes"`
		} `json:"projects"`
	}
	project struct {
		ID   string `json:"id"`
		Code string `json:"code"`
		Name string `json:"name"`
		Team struct {
			Nodes []member `json:"nodes"`
		} `json:"team"`
	}
	member struct {
		Role     string       `json:"role"`
		Employee teamEmployee `json:"employee"`
	}
	// teamEmployee is a team member's employee, as the nested page and
	// MoveProject read it.
	teamEmployee struct {
		FirstName  string `json:"firstName"`
		LastName   string `json:"lastName"`
		Department struct {
			Name string `json:"name"`
		} `json:"department"`
	}
)

// customersWithProjects reads the customers and each one's first projects
// in one statement: a LATERAL join keeps the per-customer limit in SQL.
const customersWithProjects = `
SELECT c.id, c.name, p.id, p.code, p.name
FROM (SELECT id, name FROM customers ORDER BY id LIMIT $1) c
LEFT JOIN LATERAL (
  SELECT id, code, name FROM projects WHERE customer_id = c.id ORDER BY id LIMIT $2
) p ON true
ORDER BY c.id, p.id`

// teams reads every team member of the projects with the employee and the
// department joined in, in team order (by assignment id).
const teams = `
SELECT a.project_id, a.role, e.first_name, e.last_name, d.name
FROM assignments a
JOIN employees e ON e.id = a.employee_id
JOIN departments d ON d.id = e.department_id
WHERE a.project_id = ANY($1)
ORDER BY a.project_id, a.id`

// nestedPage answers the page with two statements.
func nestedPage(ctx context.Context, pool *pgxpool.Pool) ([]byte, error) {
	var resp response
	resp.Data.Customers.Nodes = make([]*customer, 0, customersPerPage)
	projects := map[int64]*project{}
	var projectIDs []int64

	rows, err := pool.Query(ctx, customersWithProjects, customersPerPage, projectsPerPage)
	if err != nil {
		return nil, fmt.Errorf("read customers and projects: %w", err)
	}
	var last *customer
	var lastID int64
	for rows.Next() {
		var cid int64
		var cname string
		var pid *int64
		var pcode, pname *string
		if err := rows.Scan(&cid, &cname, &pid, &pcode, &pname); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan customers and projects: %w", err)
		}
		if last == nil || cid != lastID {
			last = &customer{ID: store.GlobalID("Customer", cid), Name: cname}
			last.Projects.Nodes = []*project{} // [] rather than null for a customer without projects
			lastID = cid
			resp.Data.Customers.Nodes = append(resp.Data.Customers.Nodes, last)
		}
		if pid == nil {
			continue
		}
		p := &project{ID: store.GlobalID("Project", *pid), Code: *pcode, Name: *pname}
		p.Team.Nodes = []member{}
		last.Projects.Nodes = append(last.Projects.Nodes, p)
		projects[*pid] = p
		projectIDs = append(projectIDs, *pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read customers and projects: %w", err)
	}

	rows, err = pool.Query(ctx, teams, projectIDs)
	if err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	for rows.Next() {
		var pid int64
		var m member
		e := &m.Employee
		if err := rows.Scan(&pid, &m.Role, &e.FirstName, &e.LastName, &e.Department.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan teams: %w", err)
		}
		// team(first: 100): the rows come in team order, so the cut is the
		// connection's page.
		if p := projects[pid]; len(p.Team.Nodes) < teamPerPage {
			p.Team.Nodes = append(p.Team.Nodes, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}

	// GraphQL servers do not escape <, > and & in strings; encoding/json
	// does unless told not to.
	var buf bytes.Buffer
	buf.Grow(128 << 10)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&resp); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
