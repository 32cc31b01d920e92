// Package seed fills an empty, migrated database with a deterministic,
// realistic picture of the firm DOMAIN.md describes: its department tree and
// people, customers and their contacts, projects, staffing and logged hours.
//
// The same seed and scale always produce byte-identical tables, so tests,
// demos and benchmarks can rely on exact data, and scale 1 is the volume a
// real firm has (5,000 employees, 5,000,000 time entries). Rows are
// streamed into PostgreSQL with COPY; only the facts later tables depend on
// (who works where, when projects run, who is staffed on what) are kept in
// memory.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options says what to generate.
type Options struct {
	// Scale multiplies DOMAIN.md's volumes: 1 is the benchmark firm, 0.01
	// suits tests and the demo, 10 is allowed.
	Scale float64
	// Seed picks the data: the same seed and scale give identical rows (for
	// one version of this package; editing its vocabularies or distributions
	// changes every seed's data).
	Seed int64
	// Progress receives progress reports; nil is silent. A terminal gets a
	// progress bar, anything else a plain line now and then.
	Progress io.Writer
}

// Stats tells what Run loaded.
type Stats struct {
	Rows     map[string]int64 // rows copied per table
	Duration time.Duration
}

// ErrNotEmpty is returned (wrapped) when the database already has data:
// seeding never mixes generated rows with real or earlier ones.
var ErrNotEmpty = errors.New("database is not empty")

// maxScale guards against a typo that would try to write terabytes.
const maxScale = 100

// tableNames are the seeded tables in the order foreign keys require.
var tableNames = []string{"departments", "employees", "customers", "contacts", "projects", "assignments", "time_entries",
	"timesheets"}

// enumTypes must be registered with pgx before COPY can send their values.
var enumTypes = []string{"employment_type", "employee_status", "customer_segment", "customer_status",
	"project_status", "project_priority", "billing_model", "timesheet_status"}

// Run fills the empty, migrated database at databaseURL, refusing (with
// ErrNotEmpty) a database in which any of the seeded tables has rows. Ids are
// supplied 1..N and the identity sequences moved past them afterwards.
// Everything happens in one transaction, so a failed run leaves the database
// as it was; secondary indexes and foreign keys are set aside during the
// COPYs and restored at the end (see deferSchema), which is what makes scale
// 1 load in well under a minute.
func Run(ctx context.Context, databaseURL string, opts Options) (Stats, error) {
	began := time.Now()
	vol, err := volumesFor(opts.Scale)
	if err != nil {
		return Stats{}, err
	}
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return Stats{}, fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := checkEmpty(ctx, conn); err != nil {
		return Stats{}, err
	}
	types, err := conn.LoadTypes(ctx, enumTypes)
	if err != nil {
		return Stats{}, fmt.Errorf("load enum types: %w", err)
	}
	conn.TypeMap().RegisterTypes(types)

	tables := plan(opts.Seed, vol).tables(opts.Seed)
	prog := newProgress(opts.Progress, tables)
	defer prog.finish()
	stats := Stats{Rows: map[string]int64{}}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		deferred, err := deferSchema(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			n, err := copyTable(ctx, tx, t, prog)
			stats.Rows[t.name] += n
			if err != nil {
				return err
			}
		}
		if err := resetSequences(ctx, tx); err != nil {
			return err
		}
		prog.note("index and check foreign keys")
		if err := restoreSchema(ctx, tx, deferred); err != nil {
			return err
		}
		prog.note("reviews")
		reviewRows, err := seedReviews(ctx, tx, opts.Seed)
		if err != nil {
			return err
		}
		for t, n := range reviewRows {
			stats.Rows[t] += n
		}
		prog.note("feedback")
		feedbackRows, err := seedFeedback(ctx, tx, opts.Seed, opts.Scale)
		if err != nil {
			return err
		}
		for t, n := range feedbackRows {
			stats.Rows[t] += n
		}
		prog.note("onboarding")
		onboardingRows, err := seedOnboarding(ctx, tx, opts.Seed, opts.Scale)
		if err != nil {
			return err
		}
		for t, n := range onboardingRows {
			stats.Rows[t] += n
		}
		prog.note("analyze")
		analyzed := append(append(append(slices.Clip(tableNames), reviewTables...), feedbackTables...), onboardingTables...)
		if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(analyzed, ", ")); err != nil {
			return fmt.Errorf("analyze seeded tables: %w", err)
		}
		// Payroll reads the employees and their approved time: it is
		// computed once the planner has those tables' statistics (as the
		// API computes it), then analyzed itself.
		prog.note("payroll")
		payrollRows, err := seedPayroll(ctx, tx)
		if err != nil {
			return err
		}
		for t, n := range payrollRows {
			stats.Rows[t] += n
		}
		if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(payrollTables, ", ")); err != nil {
			return fmt.Errorf("analyze the payroll tables: %w", err)
		}
		return nil
	})
	if err != nil {
		return Stats{}, err
	}
	stats.Duration = time.Since(began)
	return stats, nil
}

// deferred is a schema object on the seeded tables that costs more to keep
// up to date row by row during the load than to create afterwards: a
// secondary index (built in one sort) or a foreign key (checked in one join
// instead of a lookup per row; at scale 1 those lookups alone take longer
// than the rest of the load).
type deferred struct {
	drop, create string
	comment      string // restores its COMMENT, if it had one; "" otherwise
}

// deferSchema drops the seeded tables' foreign keys and the indexes that do
// not back a constraint, and returns how to recreate them exactly. Primary
// keys and unique constraints stay: they guard the generator itself. All of
// it happens inside the load's transaction, so no other session sees the
// tables without them and a failed load restores them.
func deferSchema(ctx context.Context, tx pgx.Tx) ([]deferred, error) {
	rows, err := tx.Query(ctx, `
		SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid),
			coalesce(format('COMMENT ON INDEX %s IS %L', i.indexrelid::regclass, obj_description(i.indexrelid, 'pg_class')), '')
		FROM pg_index i
		WHERE i.indrelid = ANY($1::regclass[])
			AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		UNION ALL
		SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
			coalesce(format('COMMENT ON CONSTRAINT %I ON %s IS %L', c.conname, c.conrelid::regclass, obj_description(c.oid, 'pg_constraint')), '')
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])`, tableNames)
	if err != nil {
		return nil, fmt.Errorf("list indexes and foreign keys of the seeded tables: %w", err)
	}
	var objs []deferred
	var o deferred
	if _, err := pgx.ForEachRow(rows, []any{&o.drop, &o.create, &o.comment}, func() error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list indexes and foreign keys of the seeded tables: %w", err)
	}
	for _, o := range objs {
		if _, err := tx.Exec(ctx, o.drop); err != nil {
			return nil, fmt.Errorf("defer until after the load (%s): %w", o.drop, err)
		}
	}
	return objs, nil
}

// restoreSchema recreates what deferSchema dropped, in its order (indexes
// before foreign keys), which also checks every loaded row against the keys.
func restoreSchema(ctx context.Context, tx pgx.Tx, objs []deferred) error {
	// Index builds sort in memory instead of in temporary files.
	if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
		return fmt.Errorf("raise maintenance_work_mem for index builds: %w", err)
	}
	for _, o := range objs {
		for _, stmt := range []string{o.create, o.comment} {
			if stmt == "" {
				continue
			}
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("restore after the load (%s): %w", stmt, err)
			}
		}
	}
	return nil
}

// volumes are the row counts to generate.
type volumes struct {
	departments, employees, customers, contacts, projects, assignments, timeEntries int64
}

// volumesFor scales DOMAIN.md's volumes. Departments grow with the cube
// root: a firm ten times larger has more teams, not ten times as many, and
// even the smallest seed keeps a recognisable tree.
func volumesFor(scale float64) (volumes, error) {
	if !(scale > 0 && scale <= maxScale) {
		return volumes{}, fmt.Errorf("seed scale %v: must be above 0 and at most %d", scale, maxScale)
	}
	n := func(base float64) int64 { return max(1, int64(math.Round(base*scale))) }
	return volumes{
		departments: max(10, int64(math.Round(60*math.Cbrt(scale)))),
		employees:   n(5_000),
		customers:   n(20_000),
		contacts:    n(60_000),
		projects:    n(100_000),
		assignments: n(400_000),
		timeEntries: n(5_000_000),
	}, nil
}

// checkEmpty refuses a database that has rows in any seeded table.
func checkEmpty(ctx context.Context, conn *pgx.Conn) error {
	var full []string
	for _, t := range tableNames {
		var has bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+t+")").Scan(&has); err != nil {
			return fmt.Errorf("check that %s is empty (is the database migrated?): %w", t, err)
		}
		if has {
			full = append(full, t)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("seed: %w (rows in %s); seed only a freshly migrated database", ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

// resetSequences moves every identity past the ids the seed supplied, so the
// application's own inserts get fresh ids.
func resetSequences(ctx context.Context, tx pgx.Tx) error {
	for _, t := range tableNames {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s", t, t)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("reset %s id sequence: %w", t, err)
		}
	}
	return nil
}

// world is everything later tables depend on, drawn before any row is
// copied. Each part has its own random stream (see newStream).
type world struct {
	departments []department
	employees   []employee
	customers   []customer
	projects    []project
	assignments []assignment
}

func plan(seed int64, vol volumes) *world {
	w := &world{}
	w.departments = planDepartments(newStream(seed, "departments"), vol.departments)
	w.employees = planEmployees(newStream(seed, "employees"), w.departments, vol.employees)
	staff := staffPools(w.employees)
	customers := newStream(seed, "customers")
	w.customers = planCustomers(customers, vol.customers, staff)
	var firstProject []day
	w.projects, firstProject = planProjects(newStream(seed, "projects"), w.customers, vol.projects, staff, w.employees)
	datedCustomers(customers, w.customers, firstProject)
	contactCounts(newStream(seed, "contacts"), w.customers, vol.contacts)
	w.assignments = planAssignments(newStream(seed, "assignments"), w.projects, w.customers, vol.assignments, staff, w.employees)
	timeEntryCounts(w.assignments, vol.timeEntries)
	return w
}

// tables lists the COPYs that load w, in foreign-key order.
func (w *world) tables(seed int64) []table {
	var contacts, entries int64
	for i := range w.customers {
		contacts += w.customers[i].contacts
	}
	for i := range w.assignments {
		entries += w.assignments[i].entries
	}
	return []table{
		{"departments", departmentColumns, int64(len(w.departments)), indexed(w.departments, departmentRow(w.departments))},
		{"employees", employeeColumns, int64(len(w.employees)), indexed(w.employees, employeeRow(w.employees))},
		{"customers", customerColumns, int64(len(w.customers)), indexed(w.customers, customerRow(w.customers))},
		{"contacts", contactColumns, contacts, contactRows(newStream(seed, "contacts.rows"), w.customers)},
		{"projects", projectColumns, int64(len(w.projects)),
			indexed(w.projects, projectRow(newStream(seed, "projects.rows"), w.projects, w.customers))},
		{"assignments", assignmentColumns, int64(len(w.assignments)), indexed(w.assignments, assignmentRow(w.assignments))},
		{"time_entries", timeEntryColumns, entries, timeEntryRows(newStream(seed, "time_entries"), w.assignments, w.projects)},
		{"timesheets", timesheetColumns, timesheetCount(w.employees), timesheetRows(newStream(seed, "timesheets"), w.employees)},
	}
}
