package scalar_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// A date or time PostgreSQL cannot store (the ISO year 0000, or a time
// whose UTC instant falls before year 1) is the caller's mistake wherever
// it enters: a filter, an analytics argument or a forged cursor answers
// BAD_USER_INPUT before any SQL runs, and the server logs no ERROR line.
func TestDates_OutOfPostgresRangeAreRefusedBeforeSQL(t *testing.T) {
	var log bytes.Buffer
	srv, _ := httpapitest.NewServer(t, service.Config{Log: slog.New(slog.NewTextHandler(&log, nil))})
	post := func(query string, vars map[string]any) httpapitest.Reply {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, string(body))
	}

	// A forged cursor: a real one of the HIRED_ON ordering, its date
	// replaced by year 0000.
	const byHired = `query($after: String) { employees(first: 1, after: $after, orderBy: [{field: HIRED_ON, direction: ASC}]) { pageInfo { endCursor } } }`
	var first struct {
		Data struct {
			Employees struct{ PageInfo struct{ EndCursor string } } `json:"employees"`
		} `json:"data"`
	}
	if err := json.Unmarshal(post(byHired, nil).Body, &first); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(first.Data.Employees.PageInfo.EndCursor)
	if err != nil || !strings.Contains(string(raw), `["`) {
		t.Fatalf("cursor %q: %v", raw, err)
	}
	i := strings.Index(string(raw), `["`) + 2
	forged := string(raw[:i]) + "0000" + string(raw[i+4:])
	cursor := base64.RawURLEncoding.EncodeToString([]byte(forged))

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"date filter", `{ employees(filter: {hiredOn: {gt: "0000-01-01"}}) { totalCount } }`, nil},
		{"date filter variable", `query($d: Date) { employees(filter: {hiredOn: {gt: $d}}) { totalCount } }`, map[string]any{"d": "0000-12-31"}},
		{"date-time filter", `{ employees(filter: {createdAt: {gt: "0001-01-01T00:00:00+01:00"}}) { totalCount } }`, nil},
		{"date-time filter year 0", `{ employees(filter: {createdAt: {lt: "0000-06-01T00:00:00Z"}}) { totalCount } }`, nil},
		{"analytics from/to", `{ analytics { hoursByDepartment(from: "0000-01-01", to: "2026-01-31") { __typename } } }`, nil},
		{"forged cursor", byHired, map[string]any{"after": cursor}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log.Reset()
			r := post(tc.query, tc.vars)
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("answer %s, want BAD_USER_INPUT", r.Body)
			}
			if strings.Contains(log.String(), "level=ERROR") {
				t.Errorf("the server logged an error:\n%s", log.String())
			}
		})
	}
}
