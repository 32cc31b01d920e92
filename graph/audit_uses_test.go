package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
)

// auditedServer is the server as main composes it, with an audit log: the
// store gets its rules from the policy (service.New), so its uses of
// sensitive columns are recorded where the fields' reads are. Its rows are
// read once stored reads them: after the log is closed.
type auditedServer struct {
	t   *testing.T
	url string
	log *audit.Log
	db  *database.DB
}

func newAuditedServer(t *testing.T) *auditedServer {
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(context.Background(), httpapitest.URL(), database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	h := service.New(service.Config{DB: db, PageLimits: page.Limits{Default: 20, Max: 100}, Policy: policy.New(log),
		Auth: httpapitest.Authenticator(t, db, httpapitest.Admin), Log: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	return &auditedServer{t: t, url: srv.URL, log: log, db: db}
}

// post sends query as a caller with subject and role, with the headers
// given, and fails the test on any error in the answer.
func (s *auditedServer) post(subject string, role auth.Role, operation, query string, header map[string]string) {
	s.t.Helper()
	status, r, b := s.send(subject, role, operation, query, nil, header)
	if len(r.Errors) > 0 || status != http.StatusOK {
		s.t.Fatalf("%s: status %d: %s", query, status, b)
	}
}

// send sends query with vars as a caller with subject and role, with the
// headers given, and returns the answer's status, decoded body and body.
func (s *auditedServer) send(subject string, role auth.Role, operation, query string, vars map[string]any,
	header map[string]string) (int, response, []byte) {
	s.t.Helper()
	tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: subject, Roles: []auth.Role{role}, TTL: time.Hour})
	if err != nil {
		s.t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operation, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		s.t.Fatalf("%s: status %d: %s: %v", query, res.StatusCode, b, err)
	}
	return res.StatusCode, r, b
}

// rows closes the log (storing every event) and returns subject's audit
// rows, oldest first, as "use|field|request id|request id claimed|operation|operation claimed".
func (s *auditedServer) rows(subject string) []string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.log.Close(ctx); err != nil {
		s.t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, httpapitest.URL())
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT concat_ws('|', use, field, coalesce(request_id, ''), request_id_claimed::text,
			coalesce(operation, ''), operation_claimed::text)
		FROM audit_events WHERE subject LIKE $1 || '%' ORDER BY subject, id`, subject)
	if err != nil {
		s.t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	return got
}

// A filter or an ordering by a sensitive column reveals it without
// answering it (hr narrowed one salary to the unit with 27 salary ranges
// reading only totalCount): each such use leaves an audit row, use
// "compare", for who used which column in which request and operation
// (the name the client gave, marked claimed).
func TestAudit_FilterAndOrderBySensitiveColumnAreRecorded(t *testing.T) {
	s := newAuditedServer(t)
	subject := fmt.Sprintf("audit-uses-%d-", time.Now().UnixNano())
	cases := []struct {
		name, query string
		role        auth.Role
	}{
		{"hr filters by salary reading only totalCount", `query Headcount { employees(filter: {salary: {gte: "90000"}}) { totalCount } }`, auth.HR},
		{"a manager filters by bill rate", `{ assignments(filter: {billRate: {lt: "120"}}) { totalCount } }`, auth.Manager},
		{"a manager orders by bill rate", `{ assignments(first: 5, orderBy: [{field: BILL_RATE, direction: ASC}]) { nodes { id } } }`, auth.Manager},
	}
	for i, c := range cases {
		s.post(fmt.Sprint(subject, i), c.role, "", c.query, map[string]string{"X-Request-Id": fmt.Sprint("probe-", i)})
	}
	want := []string{
		"compare|employees.salary|probe-0|true|Headcount|true",
		"compare|assignments.bill_rate|probe-1|true||false",
		"compare|assignments.bill_rate|probe-2|true||false",
	}
	if got := s.rows(subject); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit rows:\n%q\nwant\n%q", got, want)
	}
}

// The request id and operation name an audit row keeps are what the client
// sent: a row marks them as claimed, and a request id the server chose as
// not.
func TestAudit_ClientsRequestIDAndOperationAreMarkedClaimed(t *testing.T) {
	s := newAuditedServer(t)
	subject := fmt.Sprintf("audit-claims-%d-", time.Now().UnixNano())
	q := `query Innocent { employees(first: 1) { nodes { salary } } }`
	s.post(subject+"0", auth.HR, "Innocent", q, map[string]string{"X-Request-Id": "someone-elses-request"})
	s.post(subject+"1", auth.HR, "Innocent", q, nil)
	got := s.rows(subject)
	want := []string{"read|Employee.salary|someone-elses-request|true|Innocent|true", "read|Employee.salary|?|false|Innocent|true"}
	if len(got) == 2 {
		// The server's own id is random: compare the rest.
		if f := strings.Split(got[1], "|"); len(f) == 6 && f[2] != "" {
			f[2] = "?"
			got[1] = strings.Join(f, "|")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit rows:\n%q\nwant\n%q", got, want)
	}
}

// Sums of bill rates reveal them too (issue 21, finding 3: budgetBurn and
// revenueBySegment recorded nothing). The analytics role runs the shipped
// BudgetBurn and RevenueBySegment: every figure it gets that adds up bill
// rates leaves an audit row, use "sum", with the operation's name marked
// claimed; a figure withheld (SUPPRESSED) was not read and leaves none.
func TestAudit_SumsOfBillRatesAreRecorded(t *testing.T) {
	s := newAuditedServer(t)
	ops := registerShipped(t, s.db)
	subject := fmt.Sprintf("audit-sums-%d-", time.Now().UnixNano())
	year := map[string]any{"from": "2025-07-01", "to": "2026-06-30"}
	runs := []struct {
		op     string
		vars   map[string]any
		list   string
		fields []string
	}{
		{"BudgetBurn", map[string]any{"first": 200}, "budgetBurn", []string{"burn", "budgetUsed", "remaining"}},
		{"RevenueBySegment", year, "revenueBySegment", []string{"revenue"}},
	}
	want := map[string]int{}
	for i, r := range runs {
		typ := map[string]string{"budgetBurn": "ProjectBudgetBurn", "revenueBySegment": "SegmentMonthRevenue"}[r.list]
		status, res, body := s.send(fmt.Sprint(subject, i), auth.Analytics, r.op, ops[r.op].Body, r.vars, nil)
		var data struct{ Analytics map[string][]map[string]any }
		if err := json.Unmarshal(res.Data, &data); err != nil || status != http.StatusOK || len(data.Analytics[r.list]) == 0 {
			t.Fatalf("%s: status %d: %.500s", r.op, status, body)
		}
		withheld := map[string]bool{}
		for _, e := range res.Errors {
			if e.Extensions["code"] != "SUPPRESSED" {
				t.Fatalf("%s: %+v", r.op, e)
			}
			withheld[fmt.Sprint(e.Path[2:])] = true
			want["withheld"]++
		}
		for j := range data.Analytics[r.list] {
			for _, f := range r.fields {
				if !withheld[fmt.Sprint([]any{float64(j), f})] {
					want[fmt.Sprintf("sum|%s.%s||false|%s|true", typ, f, r.op)]++
				}
			}
		}
	}
	if want["withheld"] == 0 {
		t.Fatal("no figure was withheld: the data proves nothing about withheld figures")
	}
	delete(want, "withheld")
	got := map[string]int{}
	for _, row := range s.rows(subject) {
		// The request id is the server's: random.
		f := strings.Split(row, "|")
		f[2] = ""
		got[strings.Join(f, "|")]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit rows (row: count):\n%v\nwant\n%v", got, want)
	}
}
