package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The two writes of the benchmark (bench/operations/12_write_log_week and
// 13_write_project_status, the shipped LogWeek and MoveProject), by hand:
// the statements the API's write path sends (internal/write: lock or
// validate, write with RETURNING, the audit row, the events, then the
// read-back of the fields the operation selects), each request one
// transaction, with pgx and encoding/json and nothing else. The triggers
// of migration 00007 fire on the time_entries insert by themselves, as
// they do under the API. What is left out is what a hand-written server
// would not have: GraphQL parsing and validation, the JWT (it writes as
// the benchmark's admin), the rules engine (an admin may make both
// writes), the generic row handling and the resolvers. Where the API
// reads back one statement per relation level, the ceiling joins the
// levels into one, as its nested page does.

// writer is who the audit and the events say wrote: the benchmark's admin
// token's subject and role.
const (
	writerSubject = "bench-admin"
)

// writerRoles are the roles the audit records, space-separated as in
// audit_events.
const writerRoles = "admin"

// answerError is a refused write, answered as the API answers it: a
// GraphQL error with its code, no data, and the code's status.
type answerError struct {
	status int
	code   string
	msg    string
	ext    map[string]any
}

func (e *answerError) Error() string { return e.msg }

func refuse(status int, code, format string, args ...any) *answerError {
	return &answerError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func (e *answerError) body() []byte {
	ext := map[string]any{"code": e.code}
	for k, v := range e.ext {
		ext[k] = v
	}
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": e.msg, "extensions": ext}}, "data": nil})
	return b
}

// transact runs fn in one transaction, committed when fn returns nil.
func transact(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after the commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// key is the key of a global id of type typ.
func key(gid, typ string) (int64, error) {
	t, k, err := store.ParseID(gid)
	if err != nil || t != typ {
		return 0, refuse(http.StatusUnprocessableEntity, apperr.BadUserInput, "%.40q is not the id of a %s", gid, typ)
	}
	return k, nil
}

type (
	logWeekAnswer struct {
		Data struct {
			LogTime struct {
				TimeEntries []*loggedEntry `json:"timeEntries"`
			} `json:"logTime"`
		} `json:"data"`
	}
	loggedEntry struct {
		ID       string  `json:"id"`
		WorkDate string  `json:"workDate"`
		Hours    string  `json:"hours"`
		Billable bool    `json:"billable"`
		Note     *string `json:"note"`
		Project  *struct {
			ID   string `json:"id"`
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"project"`
	}
)

const (
	// checkEntries is the validation of every entry in one statement:
	// the employee exists and was hired by the day, the project exists.
	checkEntries = `
SELECT count(*) FROM unnest($1::bigint[], $2::bigint[], $3::text[]::date[]) AS x(employee_id, project_id, work_date)
WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = x.employee_id AND e.hired_on <= x.work_date)
   OR NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = x.project_id)`
	insertEntries = `
INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable, note)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]::date[], $4::text[]::numeric[], $5::boolean[], $6::text[])
RETURNING id, employee_id, project_id, work_date::text, hours::text, billable, note, created_at`
	insertAudit = `
INSERT INTO write_audit (subject, roles, operation, action, entity_table, entity_key, changes)
SELECT $1, $2, $3, $4, $5, k, c::jsonb FROM unnest($6::bigint[], $7::text[]) AS a(k, c)`
	insertEvents = `
INSERT INTO events (type, entity_type, entity_id, actor, data)
SELECT $1, $2, i, $3, d::jsonb FROM unnest($4::text[], $5::text[]) AS e(i, d)`
	readProjects = `SELECT id, code, name FROM projects WHERE id = ANY($1)`
)

// logWeek logs a LogWeek request's entries, all or none.
func logWeek(ctx context.Context, pool *pgxpool.Pool, vars json.RawMessage) ([]byte, error) {
	var in struct {
		Entries []struct {
			ProjectID  string  `json:"projectId"`
			EmployeeID string  `json:"employeeId"`
			WorkDate   string  `json:"workDate"`
			Hours      string  `json:"hours"`
			Billable   bool    `json:"billable"`
			Note       *string `json:"note"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(vars, &in); err != nil || len(in.Entries) == 0 {
		return nil, refuse(http.StatusUnprocessableEntity, apperr.BadUserInput, "want variables {entries: [...]}")
	}
	n := len(in.Entries)
	employees, projects := make([]int64, n), make([]int64, n)
	dates, hours, billable, notes := make([]string, n), make([]string, n), make([]bool, n), make([]*string, n)
	for i, e := range in.Entries {
		var err error
		if employees[i], err = key(e.EmployeeID, "Employee"); err != nil {
			return nil, err
		}
		if projects[i], err = key(e.ProjectID, "Project"); err != nil {
			return nil, err
		}
		dates[i], hours[i], billable[i], notes[i] = e.WorkDate, e.Hours, e.Billable, e.Note
	}
	var ans logWeekAnswer
	err := transact(ctx, pool, func(tx pgx.Tx) error {
		var bad int
		if err := tx.QueryRow(ctx, checkEntries, employees, projects, dates).Scan(&bad); err != nil {
			return fmt.Errorf("check the entries: %w", err)
		}
		if bad > 0 {
			return refuse(http.StatusUnprocessableEntity, apperr.BadUserInput, "%d entries name an employee not hired by then or no project", bad)
		}
		rows, err := tx.Query(ctx, insertEntries, employees, projects, dates, hours, billable, notes)
		if err != nil {
			return fmt.Errorf("insert the entries: %w", err)
		}
		keys := make([]int64, 0, n)
		ids := make([]string, 0, n)
		changes := make([]string, 0, n)
		data := make([]string, 0, n)
		projectOf := make([]int64, 0, n)
		for rows.Next() {
			var k, employee, project int64
			var e loggedEntry
			var created time.Time
			if err := rows.Scan(&k, &employee, &project, &e.WorkDate, &e.Hours, &e.Billable, &e.Note, &created); err != nil {
				rows.Close()
				return fmt.Errorf("insert the entries: %w", err)
			}
			e.ID = store.GlobalID("TimeEntry", k)
			c, _ := json.Marshal(map[string][2]any{"id": {nil, k}, "employee_id": {nil, employee}, "project_id": {nil, project},
				"work_date": {nil, e.WorkDate}, "hours": {nil, e.Hours}, "billable": {nil, e.Billable}, "note": {nil, e.Note}})
			d, _ := json.Marshal(map[string]any{"id": e.ID, "employee": store.GlobalID("Employee", employee),
				"project": store.GlobalID("Project", project), "workDate": e.WorkDate, "hours": e.Hours,
				"billable": e.Billable, "note": e.Note, "createdAt": created})
			keys, ids, changes, data = append(keys, k), append(ids, e.ID), append(changes, string(c)), append(data, string(d))
			projectOf = append(projectOf, project)
			ans.Data.LogTime.TimeEntries = append(ans.Data.LogTime.TimeEntries, &e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert the entries: %w", err)
		}
		if _, err := tx.Exec(ctx, insertAudit, writerSubject, writerRoles, "LogWeek", "create", "time_entries", keys, changes); err != nil {
			return fmt.Errorf("audit the entries: %w", err)
		}
		if _, err := tx.Exec(ctx, insertEvents, "time_entry.logged", "TimeEntry", writerSubject, ids, data); err != nil {
			return fmt.Errorf("append the events: %w", err)
		}
		return readBackProjects(ctx, tx, projectOf, ans.Data.LogTime.TimeEntries)
	})
	if err != nil {
		return nil, err
	}
	return encode(&ans)
}

// readBackProjects reads each entry's project, every project once.
func readBackProjects(ctx context.Context, tx pgx.Tx, keys []int64, entries []*loggedEntry) error {
	rows, err := tx.Query(ctx, readProjects, keys)
	if err != nil {
		return fmt.Errorf("read the projects: %w", err)
	}
	type project = struct {
		ID   string `json:"id"`
		Code string `json:"code"`
		Name string `json:"name"`
	}
	byKey := map[int64]*project{}
	for rows.Next() {
		var k int64
		p := &project{}
		if err := rows.Scan(&k, &p.Code, &p.Name); err != nil {
			rows.Close()
			return fmt.Errorf("read the projects: %w", err)
		}
		p.ID = store.GlobalID("Project", k)
		byKey[k] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the projects: %w", err)
	}
	for i, e := range entries {
		e.Project = byKey[keys[i]]
	}
	return nil
}

type (
	moveAnswer struct {
		Data struct {
			UpdateProject struct {
				Project *movedProject `json:"project"`
			} `json:"updateProject"`
		} `json:"data"`
	}
	movedProject struct {
		ID          string     `json:"id"`
		Version     int64      `json:"version"`
		Status      string     `json:"status"`
		Priority    string     `json:"priority"`
		StartOn     string     `json:"startOn"`
		DueOn       *string    `json:"dueOn"`
		CompletedAt *time.Time `json:"completedAt"`
		Team        struct {
			TotalCount int          `json:"totalCount"`
			Nodes      []teamMember `json:"nodes"`
		} `json:"team"`
	}
	teamMember struct {
		Role              string       `json:"role"`
		AllocationPercent int          `json:"allocationPercent"`
		Employee          teamEmployee `json:"employee"`
	}
)

// moves are the status changes a project may make (DOMAIN.md).
var moves = map[string][]string{
	"proposed": {"active", "cancelled"},
	"active":   {"on_hold", "completed", "cancelled"},
	"on_hold":  {"active", "cancelled"},
}

const (
	lockProject   = `SELECT version, status::text FROM projects WHERE id = $1 FOR UPDATE`
	updateProject = `
UPDATE projects SET status = $1::project_status, updated_at = now(), version = version + 1,
  completed_at = CASE WHEN $1 = 'completed' THEN now() ELSE completed_at END
WHERE id = $2
RETURNING version, status::text, priority::text, start_on::text, due_on::text, completed_at, to_jsonb(projects.*)::text`
	teamOf = `
SELECT a.role, a.allocation_percent, e.first_name, e.last_name, d.name, count(*) OVER ()
FROM assignments a
JOIN employees e ON e.id = a.employee_id
JOIN departments d ON d.id = e.department_id
WHERE a.project_id = $1
ORDER BY a.id
LIMIT $2`
)

// teamFirst is MoveProject's team(first: 50).
const teamFirst = 50

// moveProject changes a project's status by the version the caller read
// (MoveProject with {id, version, status}).
func moveProject(ctx context.Context, pool *pgxpool.Pool, vars json.RawMessage) ([]byte, error) {
	var in struct {
		Input struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
			Status  string `json:"status"`
		} `json:"input"`
	}
	if err := json.Unmarshal(vars, &in); err != nil || in.Input.Status == "" {
		return nil, refuse(http.StatusUnprocessableEntity, apperr.BadUserInput, "want variables {input: {id, version, status}}")
	}
	k, err := key(in.Input.ID, "Project")
	if err != nil {
		return nil, err
	}
	to := strings.ToLower(in.Input.Status)
	p := &movedProject{ID: in.Input.ID}
	err = transact(ctx, pool, func(tx pgx.Tx) error {
		var version int64
		var from string
		if err := tx.QueryRow(ctx, lockProject, k).Scan(&version, &from); errors.Is(err, pgx.ErrNoRows) {
			return refuse(http.StatusNotFound, apperr.NotFound, "no project has the id %s", in.Input.ID)
		} else if err != nil {
			return fmt.Errorf("lock the project: %w", err)
		}
		if version != in.Input.Version {
			e := refuse(http.StatusConflict, apperr.Conflict, "the project changed since it was read: version %d was sent, it is now at %d", in.Input.Version, version)
			e.ext = map[string]any{"currentVersion": version}
			return e
		}
		if to != from && !contains(moves[from], to) {
			return refuse(http.StatusUnprocessableEntity, apperr.BadUserInput, "the project is %s, which moves only to %v", from, moves[from])
		}
		var row string
		if err := tx.QueryRow(ctx, updateProject, to, k).Scan(&p.Version, &p.Status, &p.Priority, &p.StartOn, &p.DueOn, &p.CompletedAt, &row); err != nil {
			return fmt.Errorf("update the project: %w", err)
		}
		p.Status, p.Priority = strings.ToUpper(p.Status), strings.ToUpper(p.Priority)
		changes, _ := json.Marshal(map[string][2]any{"status": {from, to}})
		if _, err := tx.Exec(ctx, insertAudit, writerSubject, writerRoles, "MoveProject", "update", "projects", []int64{k}, []string{string(changes)}); err != nil {
			return fmt.Errorf("audit the move: %w", err)
		}
		// The event carries the row as PostgreSQL writes it, not renamed
		// to GraphQL's names as the API's does: the same statement, a
		// little less Go.
		if _, err := tx.Exec(ctx, insertEvents, "project.updated", "Project", writerSubject, []string{p.ID}, []string{string(row)}); err != nil {
			return fmt.Errorf("append the event: %w", err)
		}
		return readBackTeam(ctx, tx, k, p)
	})
	if err != nil {
		return nil, err
	}
	ans := &moveAnswer{}
	ans.Data.UpdateProject.Project = p
	return encode(ans)
}

// readBackTeam reads the project's first team members with employee and
// department, and how many there are, in one statement.
func readBackTeam(ctx context.Context, tx pgx.Tx, k int64, p *movedProject) error {
	rows, err := tx.Query(ctx, teamOf, k, teamFirst)
	if err != nil {
		return fmt.Errorf("read the team: %w", err)
	}
	p.Team.Nodes = []teamMember{}
	for rows.Next() {
		var m teamMember
		if err := rows.Scan(&m.Role, &m.AllocationPercent, &m.Employee.FirstName, &m.Employee.LastName,
			&m.Employee.Department.Name, &p.Team.TotalCount); err != nil {
			rows.Close()
			return fmt.Errorf("read the team: %w", err)
		}
		p.Team.Nodes = append(p.Team.Nodes, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the team: %w", err)
	}
	return nil
}

func contains(among []string, v string) bool {
	for _, a := range among {
		if a == v {
			return true
		}
	}
	return false
}
