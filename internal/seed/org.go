package seed

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The organisation: the department tree (the firm, its divisions, their
// teams) and the people in it, each reporting to the lead of their unit.

// division is one of the firm's business units. Its teams are the third
// level of the department tree.
type division struct {
	code, name string
	teamShare  int64    // share of the firm's teams
	staff      int64    // relative size of each of its teams
	payPercent int64    // pay against the firm's bands
	delivery   bool     // its people staff customer projects
	sales      bool     // its people manage customer accounts
	head       string   // the division head's title
	manager    string   // title of a line manager inside a team
	leadRole   string   // role of the first person staffed on a project
	roles      []string // individual contributors' job titles, before seniority
	staffRoles []string // everyone else's role on a project
	teams      []team
}

type team struct{ code, name string }

// divisions lists the business units in the order a small firm would have
// them: a tiny seed keeps the first few (delivery and sales come first, so
// every seed can staff projects and manage accounts).
var divisions = []division{
	{
		code: "ENG", name: "Engineering", teamShare: 10, staff: 4, payPercent: 100, delivery: true,
		head: "VP Engineering", manager: "Engineering Manager", leadRole: "Tech Lead",
		roles:      []string{"Software Engineer", "Software Engineer", "QA Engineer", "DevOps Engineer"},
		staffRoles: []string{"Developer", "Developer", "Senior Developer", "QA Engineer", "DevOps Engineer", "Architect"},
		teams: []team{
			{"PLAT", "Platform"}, {"WEB", "Web Applications"}, {"MOB", "Mobile"}, {"CLOUD", "Cloud Infrastructure"},
			{"SEC", "Application Security"}, {"QA", "Quality Engineering"}, {"INT", "Integrations"}, {"SRE", "Site Reliability"},
			{"ARCH", "Architecture"}, {"EMB", "Embedded Systems"}, {"DEVX", "Developer Experience"}, {"PERF", "Performance"},
			{"API", "APIs"}, {"ECOM", "Commerce Engineering"},
		},
	},
	{
		code: "CONS", name: "Consulting", teamShare: 8, staff: 4, payPercent: 100, delivery: true,
		head: "VP Consulting", manager: "Engagement Manager", leadRole: "Engagement Lead",
		roles:      []string{"Consultant", "Consultant", "Business Analyst", "Project Manager"},
		staffRoles: []string{"Consultant", "Consultant", "Business Analyst", "Project Manager", "Change Manager"},
		teams: []team{
			{"STRAT", "Strategy"}, {"CHG", "Change Management"}, {"PMO", "Project Management Office"}, {"PROC", "Process Excellence"},
			{"ERP", "ERP Advisory"}, {"FS", "Financial Services Practice"}, {"HLTH", "Healthcare Practice"}, {"RET", "Retail Practice"},
			{"MFG", "Manufacturing Practice"}, {"PUB", "Public Sector Practice"}, {"ENRG", "Energy Practice"}, {"TEL", "Telecommunications Practice"},
		},
	},
	{
		code: "SAL", name: "Sales & Accounts", teamShare: 4, staff: 3, payPercent: 95, sales: true,
		head: "Chief Revenue Officer", manager: "Sales Manager", leadRole: "Account Lead",
		roles:      []string{"Account Manager", "Account Manager", "Account Executive", "Sales Engineer"},
		staffRoles: []string{"Solution Advisor", "Pre-Sales Consultant"},
		teams: []team{
			{"ENT", "Enterprise Accounts"}, {"MID", "Mid-Market Accounts"}, {"SMB", "Small Business Accounts"}, {"PART", "Partnerships"},
			{"BDR", "Business Development"}, {"SOL", "Solutions Engineering"}, {"RENEW", "Renewals"}, {"EMEA", "EMEA Sales"},
			{"NA", "North America Sales"},
		},
	},
	{
		code: "DATA", name: "Data & AI", teamShare: 7, staff: 4, payPercent: 106, delivery: true,
		head: "VP Data & AI", manager: "Data Science Manager", leadRole: "Data Lead",
		roles:      []string{"Data Engineer", "Data Scientist", "ML Engineer", "Analytics Engineer"},
		staffRoles: []string{"Data Engineer", "Data Engineer", "Data Scientist", "ML Engineer", "Analytics Engineer"},
		teams: []team{
			{"ENG", "Data Engineering"}, {"SCI", "Data Science"}, {"ML", "Machine Learning"}, {"BI", "Business Intelligence"},
			{"GOV", "Data Governance"}, {"VIS", "Visualization"}, {"PLAT", "Data Platform"}, {"NLP", "Language AI"},
			{"OPS", "MLOps"}, {"GENAI", "Generative AI"}, {"ANL", "Analytics"},
		},
	},
	{
		code: "DES", name: "Experience Design", teamShare: 4, staff: 3, payPercent: 92, delivery: true,
		head: "VP Design", manager: "Design Manager", leadRole: "Design Lead",
		roles:      []string{"Product Designer", "Product Designer", "UX Researcher", "Content Designer"},
		staffRoles: []string{"UX Designer", "UX Designer", "UX Researcher", "Content Designer"},
		teams: []team{
			{"RES", "User Research"}, {"UI", "Product Design"}, {"CONT", "Content Design"}, {"BRAND", "Brand"},
			{"A11Y", "Accessibility"}, {"SVC", "Service Design"}, {"PROTO", "Prototyping"},
		},
	},
	{
		code: "FIN", name: "Finance", teamShare: 3, staff: 1, payPercent: 90,
		head: "Chief Financial Officer", manager: "Finance Manager", leadRole: "Finance Lead",
		roles:      []string{"Accountant", "Financial Analyst", "Billing Specialist"},
		staffRoles: []string{"Financial Analyst"},
		teams: []team{
			{"ACC", "Accounting"}, {"FPA", "Planning & Analysis"}, {"BILL", "Billing"}, {"PROC", "Procurement"},
			{"TAX", "Tax"}, {"TREAS", "Treasury"}, {"AUD", "Internal Audit"},
		},
	},
	{
		code: "PPL", name: "People", teamShare: 2, staff: 1, payPercent: 86,
		head: "Chief People Officer", manager: "People Manager", leadRole: "Change Lead",
		roles:      []string{"People Partner", "Recruiter", "Learning Specialist"},
		staffRoles: []string{"Trainer"},
		teams: []team{
			{"REC", "Recruiting"}, {"PBP", "People Partners"}, {"LRN", "Learning & Development"}, {"COMP", "Compensation & Benefits"},
			{"OPS", "People Operations"},
		},
	},
	{
		code: "OPS", name: "Operations", teamShare: 2, staff: 1, payPercent: 86,
		head: "Chief Operating Officer", manager: "Operations Manager", leadRole: "Operations Lead",
		roles:      []string{"IT Specialist", "Operations Analyst", "Legal Counsel"},
		staffRoles: []string{"Operations Analyst"},
		teams: []team{
			{"IT", "Internal IT"}, {"FAC", "Facilities"}, {"LEG", "Legal"}, {"ISEC", "Information Security"},
			{"BSYS", "Business Systems"}, {"QM", "Quality Management"},
		},
	},
}

// department is a node of the tree; its id is its index + 1.
type department struct {
	code, name, costCenter string
	parent                 int // index, -1 for the firm itself
	division               int // index into divisions, -1 for the firm itself
	created                day
	updatedAt              time.Time
}

// planDepartments builds the tree: the firm at the root, then as many
// divisions as the size allows, then their teams in proportion to each
// division's share.
func planDepartments(r *rand.Rand, total int64) []department {
	nDiv := min(max((total+2)/7, 3), int64(len(divisions)))
	depts := []department{{code: "HQ", name: "Meridian Partners", costCenter: "CC-1000", parent: -1, division: -1, created: founded}}
	for i := range nDiv {
		depts = append(depts, department{
			code: divisions[i].code, name: divisions[i].name, costCenter: fmt.Sprintf("CC-%04d", 1000+100*(i+1)),
			parent: 0, division: int(i), created: dayBetween(r, founded, founded+3*365),
		})
	}
	shares := make([]int64, nDiv)
	for i := range shares {
		shares[i] = divisions[i].teamShare
	}
	for i, n := range apportion(max(total-1-nDiv, 0), shares) {
		div := divisions[i]
		for k := range int(n) {
			t := div.teams[k%len(div.teams)]
			code, name := div.code+"-"+t.code, t.name
			if round := k / len(div.teams); round > 0 { // a very large seed runs out of names
				code, name = fmt.Sprintf("%s%d", code, round+1), fmt.Sprintf("%s %d", name, round+1)
			}
			depts = append(depts, department{
				code: code, name: name, costCenter: fmt.Sprintf("CC-%04d", 1000+100*(i+1)+k+1),
				parent: 1 + i, division: i, created: dayBetween(r, depts[1+i].created, dateOf(2022, time.December, 31)),
			})
		}
	}
	for i := range depts {
		depts[i].updatedAt = timestampAfter(r, depts[i].created, asOf)
	}
	return depts
}

// level is a rung of the career ladder; it drives titles, pay, bill rates
// and who may lead projects.
type level uint8

const (
	levelJunior level = iota
	levelMid
	levelSenior
	levelLead
	levelPrincipal
	levelManager // a line manager inside a team
	levelHead    // leads a team (a third-level department)
	levelVP      // leads a division
	levelCEO
)

// Per level: pay band midpoint and bill rate in USD, age range at hire.
var levels = [...]struct {
	prefix         string
	salaryUSD      int64
	billRateUSD    int64
	minAge, maxAge int
}{
	levelJunior:    {"Junior ", 62000, 85, 21, 28},
	levelMid:       {"", 82000, 115, 24, 36},
	levelSenior:    {"Senior ", 108000, 150, 27, 45},
	levelLead:      {"Lead ", 132000, 175, 30, 50},
	levelPrincipal: {"Principal ", 158000, 210, 33, 55},
	levelManager:   {"", 138000, 170, 30, 50},
	levelHead:      {"", 172000, 230, 33, 55},
	levelVP:        {"", 235000, 280, 38, 58},
	levelCEO:       {"", 390000, 350, 40, 55},
}

// employee is one person; the id is assigned in hiring order, like the firm's
// HR system does.
type employee struct {
	id                   int64
	dept, division       int
	level                level
	title                string
	managerSlot          int // index in the planning order, -1 for the CEO
	manager              int64
	first, last, email   string
	employmentType       string
	status               string
	hired, terminated    day
	office               int
	capacity             int64 // weekly hours in hundredths
	salary               int64 // cents
	currency             string
	personalEmail, phone string
	address              string
	birth                day
	createdAt, updatedAt time.Time
	version              int32
}

// delivers reports whether e can be staffed on customer projects.
func (e *employee) delivers() bool {
	return e.division >= 0 && divisions[e.division].delivery && e.level <= levelManager
}

// planEmployees fills the tree top-down: the CEO, a head per division, a lead
// per team, then the rest spread over the teams, where teams of more than
// ten get line managers with about eight reports each.
func planEmployees(r *rand.Rand, depts []department, total int64) []employee {
	var emps []employee
	add := func(dept int, lv level, managerSlot int) int {
		if int64(len(emps)) >= total {
			return -1
		}
		emps = append(emps, employee{dept: dept, division: depts[dept].division, level: lv, managerSlot: managerSlot})
		return len(emps) - 1
	}
	add(0, levelCEO, -1)
	// Whoever leads a department; missing leaders (a tiny firm) fall back upwards.
	leader := make([]int, len(depts))
	var teams []int
	for i, d := range depts {
		switch {
		case d.parent == 0:
			leader[i] = max(add(i, levelVP, 0), 0)
		case d.parent > 0:
			leader[i] = add(i, levelHead, leader[d.parent])
			if leader[i] < 0 {
				leader[i] = leader[d.parent]
			}
			teams = append(teams, i)
		}
	}
	weights := make([]int64, len(teams))
	for i, t := range teams {
		weights[i] = divisions[depts[t].division].staff * int64(between(r, 3, 6))
	}
	for i, n := range apportion(total-int64(len(emps)), weights) {
		t := teams[i]
		var managers []int
		if n > 10 {
			for range (n + 8) / 9 {
				managers = append(managers, add(t, levelManager, leader[t]))
			}
		}
		for k := range n - int64(len(managers)) {
			boss := leader[t]
			if len(managers) > 0 {
				boss = managers[k%int64(len(managers))]
			}
			add(t, level(pickWeighted(r, []int{18, 35, 30, 12, 5})), boss) // junior .. principal
		}
	}
	for i := range emps {
		describeEmployee(r, &emps[i], depts[emps[i].dept].name)
	}
	// Ids in hiring order; the CEO founded the firm and is number 1.
	order := make([]int, len(emps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(emps[a].hired, emps[b].hired) })
	ids := make([]int64, len(emps))
	for rank, slot := range order {
		ids[slot] = int64(rank + 1)
	}
	sorted := make([]employee, len(emps))
	for slot, e := range emps {
		if e.managerSlot >= 0 {
			e.manager = ids[e.managerSlot]
		}
		e.id = ids[slot]
		sorted[e.id-1] = e
	}
	// The earlier hire got the plain address; later namesakes get a number.
	taken := map[string]int{}
	for i := range sorted {
		local := mailLocal(sorted[i].first) + "." + mailLocal(sorted[i].last)
		taken[local]++
		if n := taken[local]; n > 1 {
			local = fmt.Sprintf("%s%d", local, n)
		}
		sorted[i].email = local + "@" + firmDomain
	}
	return sorted
}

// describeEmployee draws everything about e that the org chart does not fix.
func describeEmployee(r *rand.Rand, e *employee, deptName string) {
	lv := levels[e.level]
	e.first, e.last = pick(r, firstNames), pick(r, lastNames)
	var div division
	if e.division >= 0 {
		div = divisions[e.division]
	}
	switch e.level {
	case levelCEO:
		e.title, e.hired = "Chief Executive Officer", founded
	case levelVP:
		e.title, e.hired = div.head, dayBetween(r, founded+30, founded+5*365)
	case levelHead:
		e.title, e.hired = "Head of "+deptName, dayBetween(r, founded+60, dateOf(2022, time.December, 31))
	case levelManager:
		e.title, e.hired = div.manager, dayBetween(r, founded+90, asOf-200)
	case levelJunior: // juniors are recent hires (or were promoted by now)
		e.title, e.hired = lv.prefix+pick(r, div.roles), dayBetween(r, asOf-3*365, asOf-14)
	case levelMid:
		e.title, e.hired = lv.prefix+pick(r, div.roles), laterDay(r, founded+90, asOf-14)
	default:
		e.title, e.hired = lv.prefix+pick(r, div.roles), dayBetween(r, founded+90, asOf-180)
	}
	e.office = pickWeighted(r, officeWeights)
	off := offices[e.office]
	e.status, e.employmentType, e.capacity = "active", "full_time", off.fullTimeHours
	if e.level < levelManager {
		switch pickWeighted(r, []int{84, 8, 8}) {
		case 1:
			e.employmentType, e.capacity = "part_time", int64(pick(r, []int{2000, 2400, 3000, 3200}))
		case 2:
			e.employmentType, e.capacity = "contractor", int64(pick(r, []int{4000, 4000, 3200, 2000}))
		}
		if chance(r, 9) && e.hired+90 < asOf {
			e.status, e.terminated = "terminated", dayBetween(r, e.hired+90, asOf)
		}
	}
	if e.status == "active" && e.level != levelCEO && chance(r, 3) {
		e.status = "on_leave"
	}
	divPay := int64(100)
	if e.division >= 0 {
		divPay = div.payPercent
	}
	annual := lv.salaryUSD * divPay / 100 * off.payPercent / 100 * currencyPer100USD[off.currency] / 100
	annual = annual * int64(between(r, 90, 110)) / 100 * e.capacity / off.fullTimeHours
	e.salary, e.currency = annual/100*100*100, off.currency // whole hundreds, in cents
	e.birth = e.hired - day(between(r, lv.minAge*365, lv.maxAge*365+364))
	if !chance(r, 4) {
		e.personalEmail = fmt.Sprintf("%s.%s%02d@%s", mailLocal(e.first), mailLocal(e.last), e.birth.year()%100, pick(r, mailProviders))
	}
	if !chance(r, 2) {
		e.phone = phoneNumber(r, off.phone)
	}
	if !chance(r, 3) {
		e.address = fmt.Sprintf(off.address, between(r, 1, 240), pick(r, off.streets), between(r, off.postcodeLo, off.postcodeHi))
	}
	e.createdAt = (e.hired - day(between(r, 7, 40))).at(between(r, 8*60, 18*60))
	lastChange := asOf
	if e.terminated != noDay {
		lastChange = min(asOf, e.terminated+3)
	}
	e.updatedAt = timestampAfter(r, e.hired, lastChange)
	e.version = int32(between(r, 1, 6))
}

var officeWeights = weightsOf(offices, func(o office) int { return o.weight })

// mailLocal turns a name into the part of an address before the @.
func mailLocal(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case asciiFold[c] != "":
			b.WriteString(asciiFold[c])
		}
	}
	return b.String()
}

// pools are the employees (by id) eligible for a kind of work, in id order.
type pools struct {
	delivery []int64 // staffed on projects
	leads    []int64 // may manage a project
	accounts []int64 // may manage a customer account
}

func staffPools(emps []employee) pools {
	var p pools
	for i := range emps {
		e := &emps[i]
		if e.delivers() {
			p.delivery = append(p.delivery, e.id)
			if e.level >= levelSenior && e.status != "terminated" {
				p.leads = append(p.leads, e.id)
			}
		}
		if e.division >= 0 && divisions[e.division].sales && e.level <= levelManager && e.status != "terminated" {
			p.accounts = append(p.accounts, e.id)
		}
	}
	// A firm too small for specialists lets anyone do anything.
	all := func(xs []int64) []int64 {
		if len(xs) > 0 {
			return xs
		}
		ids := make([]int64, len(emps))
		for i := range emps {
			ids[i] = emps[i].id
		}
		return ids
	}
	p.delivery, p.leads, p.accounts = all(p.delivery), all(p.leads), all(p.accounts)
	return p
}

var (
	departmentColumns = []string{"id", "code", "name", "parent_id", "cost_center", "created_at", "updated_at"}
	employeeColumns   = []string{"id", "employee_number", "first_name", "last_name", "email", "title", "department_id",
		"manager_id", "employment_type", "status", "hired_on", "terminated_on", "location", "weekly_capacity_hours",
		"salary", "salary_currency", "personal_email", "phone", "birth_date", "home_address", "created_at", "updated_at", "version"}
)

func departmentRow(depts []department) func(int, []any) {
	return func(i int, row []any) {
		d := &depts[i]
		parent := any(nil)
		if d.parent >= 0 {
			parent = int64(d.parent + 1)
		}
		row[0], row[1], row[2], row[3], row[4] = int64(i+1), d.code, d.name, parent, d.costCenter
		row[5], row[6] = d.created.at(9*60), d.updatedAt
	}
}

func employeeRow(emps []employee) func(int, []any) {
	return func(i int, row []any) {
		e := &emps[i]
		row[0], row[1], row[2], row[3], row[4] = e.id, fmt.Sprintf("E%06d", e.id), e.first, e.last, e.email
		row[5], row[6], row[7], row[8], row[9] = e.title, int64(e.dept+1), nullID(e.manager), e.employmentType, e.status
		row[10], row[11], row[12], row[13] = e.hired.date(), nullDate(e.terminated), offices[e.office].city, decimal(e.capacity)
		row[14], row[15], row[16], row[17] = decimal(e.salary), e.currency, nullText(e.personalEmail), nullText(e.phone)
		row[18], row[19], row[20], row[21], row[22] = e.birth.date(), nullText(e.address), e.createdAt, e.updatedAt, e.version
	}
}
