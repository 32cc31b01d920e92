package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// explainDBURL is the package's test database: the migrations' schema with
// enough generated rows (explainRows) that the planner's choice between an
// index and a sequential scan means what it means at the benchmark's scale.
var explainDBURL string

func TestMain(m *testing.M) {
	os.Exit(testdb.Run(m, testdb.Options{Prepare: generateRows}, &explainDBURL))
}

// explainRows are the projects generated, with 40% of due dates NULL, as
// in the seeded data, so a deep page by due date lies in the NULL block:
// a fifth of the benchmark's, enough for a plan that reads the whole table
// to cost a hundred times a page read from an index.
const explainRows = 20_000

// generateRows fills the tables the plans read with plain generated rows,
// including the few a search finds, and ANALYZEs them.
func generateRows(ctx context.Context, url string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, fmt.Sprintf(`
		INSERT INTO customers (name, country, segment, status)
		SELECT 'Customer ' || i, 'GB', 'smb', 'active' FROM generate_series(1, 1000) i;
		INSERT INTO projects (code, name, customer_id, status, priority, currency, billing_model, start_on, due_on)
		SELECT CASE WHEN i = 4242 THEN 'BEAC-2022-001' ELSE 'P-' || i END,
		       CASE WHEN i %% 1009 = 0 THEN 'Replatform ' || i ELSE 'Project ' || i END,
		       1 + i %% 1000,
		       (ARRAY['proposed', 'active', 'on_hold', 'completed', 'cancelled'])[1 + i %% 5]::project_status,
		       'medium', 'EUR', 'fixed_price', DATE '2020-01-01' + i %% 2000,
		       CASE WHEN i %% 5 < 2 THEN NULL ELSE DATE '2020-01-01' + i %% 2000 END
		FROM generate_series(1, %d) i;
		ANALYZE;`, explainRows))
	return err
}

// plan is PostgreSQL's plan for one page the store would read.
type plan struct {
	name  string
	sql   string
	lines []string
}

func (p plan) String() string {
	return p.name + ":\n" + p.sql + "\n" + strings.Join(p.lines, "\n")
}

// uses reports whether the plan reads one of indexes.
func (p plan) uses(indexes ...string) bool {
	for _, l := range p.lines {
		for _, index := range indexes {
			for _, scan := range []string{"Index Scan using ", "Index Scan Backward using ", "Index Only Scan using "} {
				if strings.Contains(l, scan+index+" ") {
					return true
				}
			}
			if strings.HasSuffix(l, "Bitmap Index Scan on "+index) || strings.Contains(l, "Bitmap Index Scan on "+index+" ") {
				return true
			}
		}
	}
	return false
}

// scans reports whether the plan reads all of table.
func (p plan) scans(table string) bool {
	for _, l := range p.lines {
		if strings.Contains(l, "Seq Scan on "+table+" ") {
			return true
		}
	}
	return false
}

// explain is the plan of the page w of the list ord reads, selecting sel.
func explain(ctx context.Context, t *testing.T, db *database.DB, name string, ord *ordering, sel *Selection, w page.Window) plan {
	t.Helper()
	cols := ord.selecting(ord.tbl.cols(ord.tbl.mask(sel, ord.columns()...)))
	sql, args := rootSQL(ord, cols, w)
	p := plan{name: name, sql: fmt.Sprint(sql, " ", args)}
	if err := db.WithContext(ctx).Raw("EXPLAIN "+sql, args...).Scan(&p.lines).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

// after is the window of the page of 50 that starts after row offset of
// the list in SQL's own order (by col, then id), computed with OFFSET.
func after(t *testing.T, db *database.DB, ord *ordering, col, where string, offset int) page.Window {
	t.Helper()
	var key *string
	var id int64
	if err := db.Raw("SELECT "+col+"::text, id FROM projects WHERE "+where+" ORDER BY "+col+", id OFFSET ? LIMIT 1", offset).
		Row().Scan(&key, &id); err != nil {
		t.Fatal(err)
	}
	return page.Window{Limit: 50, Order: ord.Order, HasAfter: true,
		After: []page.Value{{Text: deref(key), Valid: key != nil}, page.IntValue(id)}}
}

// Every page of projects ordered by due date or by name, the first and
// deep ones (the last, in the due dates' NULL block, and one halfway,
// among the dates), reads its 50 rows from an index in the list's order:
// none reads the whole table, so a deep page costs what the first does.
// In the NULL block the order is the id's, and walking the primary key
// from the cursor is as good as walking the order's index.
func TestExplain_OrderedPagesUseTheOrdersIndex(t *testing.T) {
	db := explainDB(t)
	for _, c := range []struct {
		field, col string
		first      []string // indexes fit for the first page and one among dates
		last       []string // for the last page
	}{
		{"DUE_ON", "due_on", []string{"projects_due_on_id_idx"}, []string{"projects_due_on_id_idx", "projects_pkey"}},
		{"NAME", "name", []string{"projects_name_id_idx"}, []string{"projects_name_id_idx"}},
	} {
		ord, err := orderingOf(context.Background(), testRules, projectsTable, List{OrderBy: []*Order{{c.field, "ASC"}}})
		if err != nil {
			t.Fatal(err)
		}
		sel := &Selection{Fields: []string{"id", "code", "name"}}
		for _, p := range []struct {
			name    string
			w       page.Window
			indexes []string
		}{
			{"first page", page.Window{Limit: 50, Order: ord.Order}, c.first},
			{"page halfway", after(t, db, ord, c.col, "true", explainRows/2-51), c.first},
			{"last page", after(t, db, ord, c.col, "true", explainRows-51), c.last},
		} {
			pl := explain(context.Background(), t, db, c.field+", "+p.name, ord, sel, p.w)
			if !pl.uses(p.indexes...) || pl.scans("projects") {
				t.Errorf("want an index scan on one of %v and no sequential scan of projects; %s", p.indexes, pl)
			}
		}
	}
}

// A filtered list reads its first and last page from the index over the
// filter's and the order's columns.
func TestExplain_FilteredPagesUseTheirIndex(t *testing.T) {
	db := explainDB(t)
	sel := &Selection{Fields: []string{"id", "name"}}
	active, err := orderingOf(context.Background(), testRules, projectsTable,
		List{Filter: Filter{"status": map[string]any{"eq": "ACTIVE"}}, OrderBy: []*Order{{"DUE_ON", "ASC"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		name    string
		w       page.Window
		indexes []string
	}{
		{"first page", page.Window{Limit: 50, Order: active.Order}, []string{"projects_status_due_on_id_idx"}},
		// The last page lies in the NULL block: by id.
		{"last page", after(t, db, active, "due_on", "status = 'active'", explainRows/5-51),
			[]string{"projects_status_due_on_id_idx", "projects_pkey"}},
	} {
		pl := explain(context.Background(), t, db, "active projects by due date, "+p.name, active, sel, p.w)
		if !pl.uses(p.indexes...) || pl.scans("projects") {
			t.Errorf("want an index scan on one of %v and no sequential scan of projects; %s", p.indexes, pl)
		}
	}
}

// A ranked search can find its rows through the table's trigram index:
// the statement's expressions are the index's. Which one PostgreSQL picks
// depends on the table's size (at the benchmark's 100,000 projects, the
// index), so here sequential scans are priced out of the choice, and a
// plan that still reads the table whole means the index cannot serve it.
func TestExplain_SearchesCanUseTheTrigramIndex(t *testing.T) {
	db := explainDB(t)
	sel := &Selection{Fields: []string{"id", "name"}}
	err := db.Transact(context.Background(), database.TxOptions{ReadOnly: true}, func(ctx context.Context, tx *database.DB) error {
		if err := tx.WithContext(ctx).Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		for _, s := range []struct {
			tbl         *table
			term, index string
		}{
			{customersTable, "birchview", "customers_search_idx"},
			{projectsTable, "BEAC-2022-001", "projects_search_idx"},
			{projectsTable, "replatform", "projects_search_idx"},
			{employeesTable, "schmit", "employees_search_idx"},
		} {
			ord, err := orderingOf(ctx, testRules, s.tbl, List{Search: &s.term})
			if err != nil {
				return err
			}
			pl := explain(ctx, t, db, s.tbl.name+" search "+s.term, ord, sel, page.Window{Limit: 20, Order: ord.Order})
			if !pl.uses(s.index) || pl.scans(s.tbl.name) {
				t.Errorf("want a scan of %s and no sequential scan of %s; %s", s.index, s.tbl.name, pl)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// explainDB opens the package's test database for the test.
func explainDB(t *testing.T) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), explainDBURL, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// A list filtered by an enum `in` and ordered by another column reads each
// value's rows as one range of the (status, due_on, id) index, to the
// page's length, and merges them: no plan reads every matching row and
// sorts them, on the first page or deep in the list (among the dates and
// in the NULL block).
func TestExplain_FilteredInPagesReadARangePerValue(t *testing.T) {
	db := explainDB(t)
	sel := &Selection{Fields: []string{"id", "name"}}
	ord, err := orderingOf(context.Background(), testRules, projectsTable,
		List{Filter: Filter{"status": map[string]any{"in": []any{"ACTIVE", "PROPOSED"}}}, OrderBy: []*Order{{"DUE_ON", "ASC"}}})
	if err != nil {
		t.Fatal(err)
	}
	const where = "status IN ('active', 'proposed')"
	for _, p := range []struct {
		name string
		w    page.Window
	}{
		{"first page", page.Window{Limit: 50, Order: ord.Order}},
		{"among the dates", after(t, db, ord, "due_on", where, explainRows/5)},
		{"in the NULL block", after(t, db, ord, "due_on", where, 2*explainRows/5-explainRows/12)},
	} {
		pl := explain(context.Background(), t, db, "active or proposed projects by due date, "+p.name, ord, sel, p.w)
		if !pl.uses("projects_status_due_on_id_idx") || pl.scans("projects") || pl.sortsAll() {
			t.Errorf("want a range of projects_status_due_on_id_idx per status, no sequential scan and no sort below the merge; %s", pl)
		}
	}
}

// sortsAll reports whether the plan sorts rows it read from a table, not
// only the few the ranges below a merge return: a Sort node with a scan of
// its own beneath it, rather than an Append of limited subqueries.
func (p plan) sortsAll() bool {
	for i, l := range p.lines {
		if !strings.Contains(l, "Sort  (") {
			continue
		}
		for _, below := range p.lines[i+1:] {
			if strings.Contains(below, "Append") || strings.Contains(below, "Limit") {
				break
			}
			if strings.Contains(below, "Scan") {
				return true
			}
		}
	}
	return false
}

// A relation level's statements (rows by key, a page of children per
// parent, with its count) take their keys where the planner does not look
// into them (keysSQL), so PostgreSQL runs them on the plan it cached for
// the connection once its five trial plans are made, rather than planning
// each execution again, as it does while a plan for one key looks cheaper
// than one for any number of keys: MoveProject's answer reads one project
// and its one team.
func TestPlans_RelationLevelsRunOnTheirCachedPlan(t *testing.T) {
	ctx := context.Background()
	db := explainDB(t) // one connection: the statements and what it has prepared
	st := New(db, page.DefaultLimits, testRules)
	ord, err := orderingOf(ctx, testRules, projectsTable, List{})
	if err != nil {
		t.Fatal(err)
	}
	sel := &Selection{Fields: []string{"id", "name"}, Counted: true}
	const runs = 8
	for k := range int64(runs) {
		if _, err := byID[Project](ctx, st, projectsTable, sel, []int64{1 + k}); err != nil {
			t.Fatal(err)
		}
		if _, err := childPages[Project](ctx, st, ord, sel, customersTable.rels["projects"], []int64{1 + k},
			page.Window{Limit: 50, Order: ord.Order}); err != nil {
			t.Fatal(err)
		}
	}
	type prepared struct {
		statement              string
		generic, custom, found int64
	}
	plans := map[string]*prepared{
		"rows by key":         {statement: "FROM projects t WHERE t.id = ANY("},
		"children per parent": {statement: "SELECT c.*, p.total FROM"},
	}
	err = db.Query(ctx, func(rows pgx.Rows) error {
		for rows.Next() {
			var statement string
			var generic, custom int64
			if err := rows.Scan(&statement, &generic, &custom); err != nil {
				return err
			}
			for _, p := range plans {
				if strings.Contains(statement, p.statement) {
					p.generic, p.custom, p.found = p.generic+generic, p.custom+custom, p.found+1
				}
			}
		}
		return nil
	}, "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range plans {
		t.Logf("%s: %d statement(s), %d generic and %d custom plans", name, p.found, p.generic, p.custom)
		if p.found != 1 || p.generic+p.custom != runs {
			t.Fatalf("%s: %d statements prepared for %d executions: the case proves nothing", name, p.found, p.generic+p.custom)
		}
		if p.generic == 0 {
			t.Errorf("%s: planned again at each of its %d executions, never on its cached plan", name, runs)
		}
	}
}
