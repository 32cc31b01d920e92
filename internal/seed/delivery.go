package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// The work: projects sold to customers, the people staffed on them and the
// hours they log.

var (
	projectStatuses = []string{"proposed", "active", "on_hold", "completed", "cancelled"}
	priorities      = []string{"low", "medium", "high", "critical"}
)

const (
	proposed = iota
	active
	onHold
	completed
	cancelled
)

// project is one engagement; its id is its index + 1. Only what assignments
// and time entries depend on is kept; the rest is drawn while copying.
type project struct {
	customer         int32 // index
	status           uint8 // index into projectStatuses
	timeAndMaterials bool
	manager          int64
	start            day
	plannedEnd       day // the end staffing is planned against
	due              day // plannedEnd as promised to the customer, or noDay
	completed        day // noDay unless completed
	workTo           day // last day anyone logs time; before start when nobody does
	created          day
}

// The shapes of the data, as mixtures of uniform ranges.
var (
	// Relative number of projects of a customer (before its segment's factor).
	projectsPerCustomer = mixture{{60, 1, 4, 1}, {30, 3, 10, 1}, {9, 8, 30, 1}, {1, 30, 90, 1}}
	// Calendar days a project is planned to run.
	projectDays = mixture{{40, 20, 90, 1}, {40, 90, 270, 1}, {20, 270, 720, 1}}
	// Relative number of people staffed on a project.
	teamSize = mixture{{50, 1, 4, 1}, {35, 3, 8, 1}, {15, 6, 20, 1}}
	// Percent of a person's time an assignment takes.
	allocations = mixture{{30, 100, 100, 1}, {25, 50, 50, 1}, {15, 25, 25, 1}, {10, 75, 75, 1}, {20, 1, 19, 5}}
	// Hours of one time entry, in hundredths: mostly 1 to 8 hours in quarters,
	// some quick calls and long days, a few odd amounts up to a full 24.
	hoursLogged = mixture{{10, 1, 4, 25}, {80, 4, 32, 25}, {8, 33, 48, 25}, {2, 1, 2400, 1}}
)

// projectCounts decides how many projects each customer has: about one
// customer in a thousand is a key account with hundreds (at full scale), the
// rest have a few, larger segments more.
func projectCounts(r *rand.Rand, custs []customer, total int64) {
	var candidates []int
	for _, ok := range []func(c *customer) bool{
		func(c *customer) bool { return c.segment == "enterprise" && c.status == "active" },
		func(c *customer) bool { return c.status != "prospect" },
		func(*customer) bool { return true },
	} {
		for i := range custs {
			if ok(&custs[i]) {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) >= max(1, len(custs)/1000) {
			break
		}
		candidates = candidates[:0]
	}
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	keys := candidates[:max(1, len(custs)/1000)]
	isKey := make([]bool, len(custs))
	keyCap, keyTotal := total*15/100/int64(len(keys)), int64(0)
	for _, k := range keys {
		isKey[k] = true
		custs[k].projects = min(int64(between(r, 120, 600)), keyCap)
		keyTotal += custs[k].projects
	}
	weights := make([]int64, len(custs))
	for i := range custs {
		switch {
		case isKey[i]:
		case custs[i].status == "prospect":
			weights[i] = int64(r.IntN(2))
		default:
			weights[i] = int64(projectsPerCustomer.draw(r)) * segmentOf(&custs[i]).projectsFactor
		}
	}
	if slices.Max(weights) == 0 { // only prospects and key accounts: spread evenly
		for i := range weights {
			weights[i] = 1
		}
	}
	for i, n := range apportion(total-keyTotal, weights) {
		custs[i].projects += n
	}
}

// planProjects draws the projects, interleaving the customers so that ids do
// not cluster by customer, and dates each customer before its first project.
func planProjects(r *rand.Rand, custs []customer, total int64, p pools, emps []employee) ([]project, []day) {
	projectCounts(r, custs, total)
	owners := make([]int32, 0, total)
	for i := range custs {
		for range custs[i].projects {
			owners = append(owners, int32(i))
		}
	}
	r.Shuffle(len(owners), func(i, j int) { owners[i], owners[j] = owners[j], owners[i] })
	firstProject := make([]day, len(custs))
	projects := make([]project, len(owners))
	for i, ci := range owners {
		pr := &projects[i]
		pr.customer = ci
		planProject(r, pr, custs[ci].status)
		if !chance(r, 7) {
			pr.manager = pickEmployed(r, p.leads, emps, pr.start, nil)
		}
		pr.created = pr.start - day(between(r, 0, 60))
		if f := firstProject[ci]; f == noDay || pr.created < f {
			firstProject[ci] = pr.created
		}
	}
	return projects, firstProject
}

// planProject draws a project's life: when it runs and how it ended (or
// stands) on asOf, in line with its customer's relationship to the firm.
func planProject(r *rand.Rand, pr *project, customerStatus string) {
	duration := day(projectDays.draw(r))
	pr.timeAndMaterials = chance(r, 55)
	switch customerStatus {
	case "prospect": // only proposals so far, some already turned down
		pr.start = dayBetween(r, asOf-90, lastStart)
		pr.plannedEnd = pr.start + duration
		pr.status = proposed
		if chance(r, 20) {
			pr.status = cancelled
		}
	case "churned": // everything wound down well before asOf
		pr.start = laterDay(r, firstWork, asOf-540)
		pr.plannedEnd = min(pr.start+duration, asOf-200)
		pr.status = []uint8{completed, cancelled}[pickWeighted(r, []int{85, 15})]
	default:
		pr.start = laterDay(r, firstWork, lastStart)
		pr.plannedEnd = pr.start + duration
		switch {
		case pr.start > asOf:
			pr.status = proposed
		case pr.plannedEnd < asOf:
			pr.status = []uint8{completed, cancelled, onHold}[pickWeighted(r, []int{86, 9, 5})]
		default:
			pr.status = []uint8{active, onHold, proposed}[pickWeighted(r, []int{85, 10, 5})]
		}
	}
	pr.plannedEnd = max(pr.plannedEnd, pr.start+14)
	if !chance(r, 12) {
		pr.due = pr.plannedEnd
	}
	switch pr.status {
	case proposed:
		pr.workTo = pr.start - 1
	case completed:
		pr.completed = min(max(pr.plannedEnd+day(between(r, -20, 45)), pr.start+7), asOf)
		pr.workTo = pr.completed
	case cancelled:
		pr.workTo = min(pr.start+(pr.plannedEnd-pr.start)*day(between(r, 10, 80))/100, asOf)
	case onHold:
		pr.workTo = max(min(asOf, pr.plannedEnd)-day(between(r, 0, 60)), pr.start-1)
	case active:
		pr.workTo = asOf
	}
	if customerStatus == "prospect" { // not a customer yet: nobody has worked for them
		pr.workTo = pr.start - 1
	}
}

// pickEmployed picks someone from pool who works at the firm on day on and
// is not in taken; after a few misses it settles for anyone not taken, as a
// real staffing sheet sometimes does.
func pickEmployed(r *rand.Rand, pool []int64, emps []employee, on day, taken []int64) int64 {
	for range 40 {
		id := pick(r, pool)
		if e := &emps[id-1]; e.hired <= on && (e.terminated == noDay || e.terminated > on+30) && !slices.Contains(taken, id) {
			return id
		}
	}
	from := r.IntN(len(pool))
	for k := range pool {
		if id := pool[(from+k)%len(pool)]; !slices.Contains(taken, id) {
			return id
		}
	}
	return pool[from]
}

// assignment staffs one employee on one project for a while.
type assignment struct {
	project, employee int32 // ids
	starts, ends      day   // ends is noDay while open-ended
	from, to          day   // when time may be logged: the assignment within the project's work and the employment
	allocation        int16
	role              string
	billRate          int64 // cents, -1 for none (internal work)
	entries           int64 // time entries logged on it
}

// planAssignments staffs the projects: a few people on most, a couple of
// dozen on the largest; each person once per project (so (project_id,
// employee_id, starts_on) is unique) and only while employed.
func planAssignments(r *rand.Rand, projects []project, custs []customer, total int64, p pools, emps []employee) []assignment {
	weights := make([]int64, len(projects))
	for i := range projects {
		if projects[i].status == proposed {
			weights[i] = int64(between(r, 1, 2))
			continue
		}
		weights[i] = int64(teamSize.draw(r))
	}
	counts := apportion(total, weights)
	capParts(counts, int64(len(p.delivery)))
	as := make([]assignment, 0, total)
	var team []int64
	for i, n := range counts {
		pr := &projects[i]
		currency := countries[custs[pr.customer].country].currency
		team = team[:0]
		for k := range n {
			a := assignment{project: int32(i + 1), starts: pr.start}
			if k > 0 {
				a.starts += day(r.IntN(int(pr.plannedEnd-pr.start)*6/10 + 1))
			}
			a.ends = min(a.starts+day(between(r, 14, max(14, int(pr.plannedEnd-a.starts)))), pr.plannedEnd)
			if (pr.status == active || pr.status == onHold || pr.status == proposed) && chance(r, 20) {
				a.ends = noDay
			}
			if pr.status == completed || pr.status == cancelled {
				a.ends = max(a.starts, min(a.ends, pr.workTo))
			}
			id := pickEmployed(r, p.delivery, emps, a.starts, team)
			team = append(team, id)
			e := &emps[id-1]
			a.employee = int32(id)
			if e.terminated != noDay && (a.ends == noDay || a.ends > e.terminated) {
				a.ends = max(a.starts, e.terminated)
			}
			a.from, a.to = max(a.starts, e.hired), min(pr.workTo, asOf)
			if a.ends != noDay {
				a.to = min(a.to, a.ends)
			}
			if e.terminated != noDay {
				a.to = min(a.to, e.terminated)
			}
			a.allocation = int16(allocations.draw(r))
			a.role = projectRole(r, e, k == 0)
			a.billRate = -1
			if !chance(r, 5) {
				rate := levels[e.level].billRateUSD * 100 * int64(between(r, 90, 115)) / 100
				a.billRate = rate * currencyPer100USD[currency] / 100 / 50 * 50
			}
			as = append(as, a)
		}
	}
	return as
}

// projectRole is what e does on a project; the first person staffed leads it.
func projectRole(r *rand.Rand, e *employee, lead bool) string {
	if e.division < 0 {
		return "Executive Sponsor"
	}
	if lead {
		return divisions[e.division].leadRole
	}
	return pick(r, divisions[e.division].staffRoles)
}

// timeEntryCounts spreads total entries over the assignments in proportion
// to the working days each had and how much of them it took.
func timeEntryCounts(as []assignment, total int64) {
	weights := make([]int64, len(as))
	for i := range as {
		weights[i] = weekdays(as[i].from, as[i].to) * int64(as[i].allocation)
	}
	for i, n := range apportion(total, weights) {
		as[i].entries = n
	}
}

var (
	projectColumns = []string{"id", "code", "name", "description", "customer_id", "manager_id", "status", "priority",
		"budget", "currency", "billing_model", "start_on", "due_on", "completed_at", "created_at", "updated_at", "version"}
	assignmentColumns = []string{"id", "project_id", "employee_id", "role", "allocation_percent", "starts_on", "ends_on", "bill_rate"}
	timeEntryColumns  = []string{"id", "employee_id", "project_id", "work_date", "hours", "billable", "note", "created_at"}
)

// projectRow draws the descriptive columns. Codes are the customer's prefix,
// the start year and a number counting that prefix's projects that year.
func projectRow(r *rand.Rand, projects []project, custs []customer) func(int, []any) {
	seq := map[string]int{}
	return func(i int, row []any) {
		pr := &projects[i]
		c := &custs[pr.customer]
		key := fmt.Sprintf("%s-%d", c.prefix, pr.start.year())
		seq[key]++
		area, kind := pick(r, projectAreas), pick(r, projectKinds)
		description := any(nil)
		if chance(r, 85) {
			description = fmt.Sprintf("%s %s for %s to %s.", area, strings.ToLower(kind), c.name, pick(r, projectGoals))
		}
		budget, billing := any(nil), "fixed_price"
		if pr.timeAndMaterials {
			billing = "time_and_materials"
		}
		currency := countries[c.country].currency
		if seg := segmentOf(c); !pr.timeAndMaterials || !chance(r, 15) {
			budget = decimal(toCents(int64(between(r, seg.budgetLo, seg.budgetHi)), currency, 500))
		}
		completedAt := any(nil)
		if pr.completed != noDay {
			completedAt = pr.completed.at(between(r, 9*60, 19*60))
		}
		// A finished project was last touched when it was closed.
		firstChange, lastChange := pr.created+1, asOf
		if pr.status == completed || pr.status == cancelled {
			firstChange = max(firstChange, pr.workTo+1)
			lastChange = min(firstChange+30, asOf)
		}
		row[0], row[1], row[2], row[3] = int64(i+1), fmt.Sprintf("%s-%03d", key, seq[key]), area+" "+kind, description
		row[4], row[5], row[6] = int64(pr.customer+1), nullID(pr.manager), projectStatuses[pr.status]
		row[7], row[8], row[9], row[10] = priorities[pickWeighted(r, []int{20, 45, 27, 8})], budget, currency, billing
		row[11], row[12], row[13] = pr.start.date(), nullDate(pr.due), completedAt
		row[14], row[15], row[16] = pr.created.at(between(r, 8*60, 18*60)), timestampAfter(r, firstChange, lastChange), int32(between(r, 1, 8))
	}
}

func assignmentRow(as []assignment) func(int, []any) {
	return func(i int, row []any) {
		a := &as[i]
		rate := any(nil)
		if a.billRate >= 0 {
			rate = decimal(a.billRate)
		}
		row[0], row[1], row[2], row[3] = int64(i+1), int64(a.project), int64(a.employee), a.role
		row[4], row[5], row[6], row[7] = a.allocation, a.starts.date(), nullDate(a.ends), rate
	}
}

// timeEntryRows streams the time entries, assignment by assignment: each
// one's entries on weekdays inside its loggable window, in date order.
func timeEntryRows(r *rand.Rand, as []assignment, projects []project) func([]any) bool {
	var id, k int64
	ai := -1
	var dates []day
	return func(row []any) bool {
		for ai < 0 || k >= as[ai].entries {
			if ai+1 >= len(as) {
				return false
			}
			ai, k = ai+1, 0
			dates = workDays(r, dates[:0], as[ai].from, as[ai].to, as[ai].entries)
		}
		a := &as[ai]
		id++
		wd := dates[k]
		k++
		pr := &projects[a.project-1]
		hours := hoursLogged.draw(r)
		billable := chance(r, 75)
		if pr.timeAndMaterials {
			billable = chance(r, 93)
		}
		note := any(nil)
		if chance(r, 55) {
			note = pick(r, timeNotes)
		}
		logged := wd.at(between(r, 16*60, 20*60))
		if chance(r, 15) { // logged late
			logged = min(wd+day(between(r, 1, 10)), max(asOf, wd)).at(between(r, 8*60, 19*60))
		}
		row[0], row[1], row[2], row[3] = id, int64(a.employee), int64(a.project), wd.date()
		row[4], row[5], row[6], row[7] = decimal(int64(hours)), billable, note, logged
		return true
	}
}

// workDays appends n sorted weekdays in [lo, hi] (which has at least one
// weekday when n > 0) to buf.
func workDays(r *rand.Rand, buf []day, lo, hi day, n int64) []day {
	for range n {
		d := dayBetween(r, lo, hi)
		if d.weekend() {
			back := d - 1 // Saturday -> Friday
			if (int(d)+4)%7 == 0 {
				back = d - 2 // Sunday -> Friday
			}
			if back >= lo {
				d = back
			} else {
				d = back + 3 // the Monday after
			}
		}
		buf = append(buf, d)
	}
	slices.Sort(buf)
	return buf
}
