package write_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

const (
	upsertCustomers = `mutation($in: UpsertCustomersInput!) { upsertCustomers(input: $in) {
		results { externalId status id errors { path code message } } } }`
	upsertContacts = `mutation($in: UpsertContactsInput!) { upsertContacts(input: $in) {
		results { externalId status id errors { path code message } } } }`
	upsertEmployees = `mutation($in: UpsertEmployeesInput!) { upsertEmployees(input: $in) {
		results { externalId status id errors { path code message } } } }`
)

var integration = caller{"integration", 0, []auth.Role{auth.Integration}}

// syncResult is one item's result as a client reads it.
type syncResult struct {
	ExternalID string `json:"externalId"`
	Status     string `json:"status"`
	ID         *string
	Errors     []struct {
		Path    []any
		Code    string
		Message string
	}
}

// upsert sends items to field as c and answers the results.
func (a *api) upsert(c caller, query, field, source string, items []map[string]any) []syncResult {
	a.t.Helper()
	data := a.ok(c, query, map[string]any{"in": map[string]any{"source": source, "items": items}})
	b, _ := json.Marshal(data[field].(map[string]any)["results"])
	var out []syncResult
	if err := json.Unmarshal(b, &out); err != nil {
		a.t.Fatal(err)
	}
	if len(out) != len(items) {
		a.t.Fatalf("%d results for %d items", len(out), len(items))
	}
	return out
}

func statuses(rs []syncResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

// problems are an item's errors as "CODE path".
func (r syncResult) problems() []string {
	var out []string
	for _, e := range r.Errors {
		b, _ := json.Marshal(e.Path)
		out = append(out, e.Code+" "+string(b))
	}
	slices.Sort(out)
	return out
}

func customerItem(ext, name string) map[string]any {
	return map[string]any{"externalId": ext, "name": name, "country": "DE", "segment": "SMB"}
}

// TestSync_CustomersSentTwiceAreOneChange: a CRM's customers are created
// (audit row and customer.created each); sent again as they were, they
// are UNCHANGED and nothing is written; one changed is UPDATED, with one
// audit row and one customer.updated.
func TestSync_CustomersSentTwiceAreOneChange(t *testing.T) {
	a := newAPI(t)
	items := []map[string]any{customerItem("crm-1", "Acme Sync"), customerItem("crm-2", "Globex Sync")}
	items[1]["annualContractValue"] = "1200.50"
	audit, events := a.trail()
	first := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", items)
	if got := statuses(first); !slices.Equal(got, []string{"CREATED", "CREATED"}) || first[0].ID == nil {
		t.Fatalf("first sync: %+v", first)
	}
	if a2, e2 := a.trail(); a2 != audit+2 || e2 != events+2 {
		t.Errorf("first sync: audit %d→%d, events %d→%d; want two of each", audit, a2, events, e2)
	}
	if n := a.int(`SELECT count(*) FROM events WHERE type = 'customer.created'`); n != 2 {
		t.Errorf("%d customer.created events, want 2", n)
	}
	var status, acv string
	a.one(&status, `SELECT status::text FROM customers WHERE name = 'Acme Sync'`)
	a.one(&acv, `SELECT annual_contract_value::text FROM customers WHERE name = 'Globex Sync'`)
	if status != "prospect" || acv != "1200.50" {
		t.Errorf("created customer: status %s, annual contract value %s", status, acv)
	}

	// The same items again (a retry), the decimal written another way.
	items[1]["annualContractValue"] = "1200.5"
	audit, events = a.trail()
	digest := a.digest("customers")
	again := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", items)
	if got := statuses(again); !slices.Equal(got, []string{"UNCHANGED", "UNCHANGED"}) || *again[0].ID != *first[0].ID {
		t.Errorf("sent again: %+v, want both UNCHANGED with the first ids", again)
	}
	if a2, e2 := a.trail(); a2 != audit || e2 != events || a.digest("customers") != digest {
		t.Errorf("sent again, yet written: audit %d→%d, events %d→%d", audit, a2, events, e2)
	}

	// One of them changed at the source.
	items[0]["website"] = "https://acme.example"
	changed := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", items)
	if got := statuses(changed); !slices.Equal(got, []string{"UPDATED", "UNCHANGED"}) {
		t.Errorf("one changed: %v", got)
	}
	if a2, e2 := a.trail(); a2 != audit+1 || e2 != events+1 {
		t.Errorf("one changed: audit %d→%d, events %d→%d; want one of each", audit, a2, events, e2)
	}
	var typ, entity, website string
	a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
	a.one(&entity, `SELECT entity_id FROM events ORDER BY id DESC LIMIT 1`)
	a.one(&website, `SELECT website FROM customers WHERE name = 'Acme Sync'`)
	if typ != "customer.updated" || entity != *first[0].ID || website != "https://acme.example" {
		t.Errorf("after the change: event %s of %s, website %q", typ, entity, website)
	}
	// Another source's crm-1 is another customer.
	if other := a.upsert(integration, upsertCustomers, "upsertCustomers", "erp", items[:1]); other[0].Status != "CREATED" {
		t.Errorf("another source's crm-1: %+v", other[0])
	}
}

// TestSync_MixedBatchCommitsOnlyTheValidItems: the valid items of a call
// are written together; each invalid one is reported at its path with a
// stable code and written nowhere, not even its mapping.
func TestSync_MixedBatchCommitsOnlyTheValidItems(t *testing.T) {
	a := newAPI(t)
	items := []map[string]any{
		customerItem("ok-1", "Valid One"),
		{"externalId": "bad-1", "name": "Bad Country", "country": "Germany", "segment": "SMB"},
		customerItem("ok-2", "Valid Two"),
		{"externalId": "bad-2", "name": " ", "country": "FR"},
		customerItem("ok-1", "Valid One Again"),
	}
	customers := a.int(`SELECT count(*) FROM customers`)
	audit, events := a.trail()
	rs := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", items)
	if got := statuses(rs); !slices.Equal(got, []string{"CREATED", "INVALID", "CREATED", "INVALID", "INVALID"}) {
		t.Fatalf("statuses %v", got)
	}
	for i, want := range map[int][]string{
		1: {`BAD_USER_INPUT ["items",1,"country"]`},
		3: {`BAD_USER_INPUT ["items",3,"name"]`, `BAD_USER_INPUT ["items",3,"segment"]`},
		4: {`BAD_USER_INPUT ["items",4,"externalId"]`},
	} {
		if got := rs[i].problems(); !slices.Equal(got, want) || rs[i].ID != nil {
			t.Errorf("item %d: errors %q, id %v; want %q", i, got, rs[i].ID, want)
		}
	}
	if n := a.int(`SELECT count(*) FROM customers`); n != customers+2 {
		t.Errorf("%d customers added, want the 2 valid ones", n-customers)
	}
	if n := a.int(`SELECT count(*) FROM customers WHERE name IN ('Bad Country', 'Valid One Again')`); n != 0 {
		t.Errorf("an invalid item was written")
	}
	if a2, e2 := a.trail(); a2 != audit+2 || e2 != events+2 {
		t.Errorf("audit %d→%d, events %d→%d; want one of each per valid item", audit, a2, events, e2)
	}
	var mapped []string
	rows, err := a.db.Query(t.Context(), `SELECT external_id FROM external_ids ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x string
		_ = rows.Scan(&x)
		mapped = append(mapped, x)
	}
	if !slices.Equal(mapped, []string{"ok-1", "ok-2"}) {
		t.Errorf("mapped %v, want the valid items only", mapped)
	}
}

// TestSync_MoreThan500ItemsIsTooManyAndWritesNothing.
func TestSync_MoreThan500ItemsIsTooManyAndWritesNothing(t *testing.T) {
	a := newAPI(t)
	items := make([]map[string]any, 501)
	for i := range items {
		items[i] = customerItem(fmt.Sprintf("many-%d", i), fmt.Sprintf("Many %d", i))
	}
	digest := a.digest("customers")
	audit, events := a.trail()
	r := a.do(integration, upsertCustomers, map[string]any{"in": map[string]any{"source": "crm", "items": items}})
	if r.Code() != "TOO_MANY_ITEMS" || len(r.Data) != 0 {
		t.Errorf("501 items: %d %.300s", r.Status, r.Body)
	}
	if a2, e2 := a.trail(); a.digest("customers") != digest || a2 != audit || e2 != events ||
		a.int(`SELECT count(*) FROM external_ids`) != 0 {
		t.Error("501 items: something was written")
	}
}

// TestSync_EmployeesHiredAsHireEmployeeHires: an HR system's new hire is
// hired (active, employee.hired, so onboarding can start), sent again it
// is UNCHANGED, a change is employee.updated; two items of one call may
// not claim one email, nor one already taken.
func TestSync_EmployeesHiredAsHireEmployeeHires(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	hire := func(ext, number, email string) map[string]any {
		return map[string]any{"externalId": ext, "employeeNumber": number, "firstName": "Sync", "lastName": "Hire " + ext,
			"email": email, "departmentId": gid("Department", f.department), "managerId": gid("Employee", f.manager),
			"employmentType": "FULL_TIME", "hiredOn": "2026-12-01", "weeklyCapacityHours": "40"}
	}
	var taken string
	a.one(&taken, `SELECT email FROM employees WHERE id = $1`, f.viewer)
	items := []map[string]any{hire("hr-1", "SYNC-1", "sync1@example.com"), hire("hr-2", "SYNC-2", "sync1@example.com"),
		hire("hr-3", "SYNC-3", taken)}
	rs := a.upsert(integration, upsertEmployees, "upsertEmployees", "hr-system", items)
	if got := statuses(rs); !slices.Equal(got, []string{"CREATED", "INVALID", "INVALID"}) {
		t.Fatalf("statuses %v: %+v", got, rs)
	}
	if got := rs[1].problems(); !slices.Equal(got, []string{`BAD_USER_INPUT ["items",1,"email"]`}) {
		t.Errorf("the second claim of one email: %q", got)
	}
	if got := rs[2].problems(); !slices.Equal(got, []string{`BAD_USER_INPUT ["items",2,"email"]`}) {
		t.Errorf("an email already taken: %q", got)
	}
	var status, typ string
	a.one(&status, `SELECT status::text FROM employees WHERE employee_number = 'SYNC-1'`)
	a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
	if status != "active" || typ != "employee.hired" {
		t.Errorf("hired: status %s, last event %s", status, typ)
	}
	audit, events := a.trail()
	if again := a.upsert(integration, upsertEmployees, "upsertEmployees", "hr-system", items[:1]); again[0].Status != "UNCHANGED" {
		t.Errorf("sent again: %+v", again[0])
	}
	if a2, e2 := a.trail(); a2 != audit || e2 != events {
		t.Errorf("sent again: audit %d→%d, events %d→%d", audit, a2, events, e2)
	}
	// A change names only what changes.
	change := []map[string]any{{"externalId": "hr-1", "title": "Engineer", "weeklyCapacityHours": "32.00"}}
	if changed := a.upsert(integration, upsertEmployees, "upsertEmployees", "hr-system", change); changed[0].Status != "UPDATED" {
		t.Errorf("changed: %+v", changed[0])
	}
	var title, capacity string
	a.one(&title, `SELECT title FROM employees WHERE employee_number = 'SYNC-1'`)
	a.one(&capacity, `SELECT weekly_capacity_hours::text FROM employees WHERE employee_number = 'SYNC-1'`)
	a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
	if title != "Engineer" || capacity != "32.00" || typ != "employee.updated" {
		t.Errorf("changed: title %q, capacity %s, last event %s", title, capacity, typ)
	}
	// A new record needs what hireEmployee needs.
	rs = a.upsert(integration, upsertEmployees, "upsertEmployees", "hr-system", []map[string]any{{"externalId": "hr-9", "title": "X"}})
	if len(rs[0].Errors) != 8 {
		t.Errorf("a new hire with only a title: %q, want the 8 required fields", rs[0].problems())
	}
}

// TestSync_ContactsOfCustomersTheSourceSynced: a contact names its
// customer by the source's id; one the source did not sync is INVALID.
func TestSync_ContactsOfCustomersTheSourceSynced(t *testing.T) {
	a := newAPI(t)
	c := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", []map[string]any{customerItem("crm-1", "Contacts Inc")})
	items := []map[string]any{
		{"externalId": "p-1", "customerExternalId": "crm-1", "name": "Ada", "email": "ada@example.com"},
		{"externalId": "p-2", "customerExternalId": "crm-404", "name": "Bob"},
	}
	rs := a.upsert(integration, upsertContacts, "upsertContacts", "crm", items)
	if got := statuses(rs); !slices.Equal(got, []string{"CREATED", "INVALID"}) {
		t.Fatalf("statuses %v", got)
	}
	if got := rs[1].problems(); !slices.Equal(got, []string{`BAD_USER_INPUT ["items",1,"customerExternalId"]`}) {
		t.Errorf("unknown customer: %q", got)
	}
	var customer int64
	a.one(&customer, `SELECT customer_id FROM contacts WHERE email = 'ada@example.com'`)
	if gid("Customer", customer) != *c[0].ID {
		t.Errorf("contact of %d, want %s", customer, *c[0].ID)
	}
	if again := a.upsert(integration, upsertContacts, "upsertContacts", "crm", items[:1]); again[0].Status != "UNCHANGED" {
		t.Errorf("sent again: %+v", again[0])
	}
	// A contact stays with its customer.
	a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", []map[string]any{customerItem("crm-2", "Other Inc")})
	moved := []map[string]any{{"externalId": "p-1", "customerExternalId": "crm-2"}}
	if rs := a.upsert(integration, upsertContacts, "upsertContacts", "crm", moved); rs[0].Status != "INVALID" {
		t.Errorf("a contact moved to another customer: %+v", rs[0])
	}
	// Deleted here since, the contact sent again is created again, and
	// its externalId names the new one.
	a.exec(`DELETE FROM contacts WHERE email = 'ada@example.com'`)
	back := a.upsert(integration, upsertContacts, "upsertContacts", "crm", items[:1])
	if back[0].Status != "CREATED" || *back[0].ID == *rs[0].ID {
		t.Errorf("sent again after its deletion: %+v", back[0])
	}
	if again := a.upsert(integration, upsertContacts, "upsertContacts", "crm", items[:1]); again[0].Status != "UNCHANGED" || *again[0].ID != *back[0].ID {
		t.Errorf("sent again after it was created again: %+v", again[0])
	}
}

// TestSync_IntegrationMayCallOnlyTheSync: an integration key syncs, and
// is refused every other write and reads nothing of what it synced; of the
// people, only admins sync.
func TestSync_IntegrationMayCallOnlyTheSync(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	rs := a.upsert(integration, upsertCustomers, "upsertCustomers", "crm", []map[string]any{customerItem("crm-1", "Read Nothing")})
	for name, w := range map[string]struct {
		q    string
		vars map[string]any
	}{
		"createCustomer": {`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customer { id } } }`,
			map[string]any{"in": map[string]any{"name": "X", "country": "DE", "segment": "SMB"}}},
		"updateCustomer": {`mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { id } } }`,
			map[string]any{"in": map[string]any{"id": *rs[0].ID, "version": 1, "name": "Y"}}},
		"hireEmployee": {`mutation($in: HireEmployeeInput!) { hireEmployee(input: $in) { employee { id } } }`,
			map[string]any{"in": map[string]any{"employeeNumber": "N-1", "firstName": "A", "lastName": "B", "email": "ab@example.com",
				"departmentId": gid("Department", f.department), "employmentType": "FULL_TIME", "hiredOn": "2026-12-01",
				"weeklyCapacityHours": "40"}}},
		"createContact": {`mutation($in: CreateContactInput!) { createContact(input: $in) { contact { id } } }`,
			map[string]any{"in": map[string]any{"customerId": *rs[0].ID, "name": "C"}}},
	} {
		audit, events := a.trail()
		if r := a.do(integration, w.q, w.vars); r.Code() != "FORBIDDEN" || len(r.Data) != 0 {
			t.Errorf("integration %s: %d %.300s", name, r.Status, r.Body)
		}
		if a2, e2 := a.trail(); a2 != audit || e2 != events {
			t.Errorf("integration %s was refused, yet written", name)
		}
	}
	got, _ := json.Marshal(a.ok(integration, fmt.Sprintf(`{ customers(first: 5) { totalCount } employees(first: 5) { totalCount }
		synced: node(id: %q) { id } }`, *rs[0].ID), nil))
	if want := `{"customers":{"totalCount":0},"employees":{"totalCount":0},"synced":null}`; string(got) != want {
		t.Errorf("integration reads %s, want %s", got, want)
	}
	for _, who := range []caller{{"viewer", f.viewer, []auth.Role{auth.Viewer}}, {"hr", f.hr, []auth.Role{auth.HR}},
		{"manager", f.manager, []auth.Role{auth.Manager}}} {
		r := a.do(who, upsertCustomers, map[string]any{"in": map[string]any{"source": "crm", "items": []any{customerItem("x", "X")}}})
		if r.Code() != "FORBIDDEN" {
			t.Errorf("%s syncs: %d %.300s", who.name, r.Status, r.Body)
		}
	}
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	if rs := a.upsert(admin, upsertCustomers, "upsertCustomers", "crm", []map[string]any{customerItem("crm-1", "Read Nothing")}); rs[0].Status != "UNCHANGED" {
		t.Errorf("admin syncs: %+v", rs[0])
	}
}

// TestSync_StatementsDoNotGrowWithTheItems: a call costs the same number
// of statements for one item as for 500, created and then updated.
func TestSync_StatementsDoNotGrowWithTheItems(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	statements := func(q, field, source string, items []map[string]any) int64 {
		before := a.pool.Statements()
		a.upsert(integration, q, field, source, items)
		return a.pool.Statements() - before
	}
	batch := func(n int, item func(i int) map[string]any) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = item(i)
		}
		return out
	}
	for _, c := range []struct {
		name, query, field string
		item               func(source string, i int, change bool) map[string]any
	}{
		{"customers", upsertCustomers, "upsertCustomers", func(source string, i int, change bool) map[string]any {
			it := customerItem(fmt.Sprintf("c-%d", i), fmt.Sprintf("%s %d", source, i))
			if change {
				it["industry"] = "Changed"
			}
			return it
		}},
		{"employees", upsertEmployees, "upsertEmployees", func(source string, i int, change bool) map[string]any {
			it := map[string]any{"externalId": fmt.Sprintf("e-%d", i), "employeeNumber": fmt.Sprintf("%s-%d", source, i),
				"firstName": "S", "lastName": fmt.Sprint(i), "email": fmt.Sprintf("%s.%d@example.com", source, i),
				"departmentId": gid("Department", f.department), "managerId": gid("Employee", f.manager),
				"employmentType": "CONTRACTOR", "hiredOn": "2026-12-01", "weeklyCapacityHours": "20"}
			if change {
				it["title"] = "Changed"
			}
			return it
		}},
	} {
		var created, updated [2]int64
		for j, n := range []int{1, 500} {
			source := fmt.Sprintf("n%d", n)
			created[j] = statements(c.query, c.field, source, batch(n, func(i int) map[string]any { return c.item(source, i, false) }))
			updated[j] = statements(c.query, c.field, source, batch(n, func(i int) map[string]any { return c.item(source, i, true) }))
		}
		t.Logf("%s: created 1 item %d statements, 500 items %d; updated 1 item %d, 500 items %d",
			c.name, created[0], created[1], updated[0], updated[1])
		if created[0] != created[1] || updated[0] != updated[1] {
			t.Errorf("%s: statements grow with the items: created %v, updated %v", c.name, created, updated)
		}
	}
}

// TestSync_TwoCallsWithTheSameNewItemCreateItOnce: two calls at once
// with the same new externalId create one customer; the other call finds
// it (UNCHANGED), rather than failing on the mapping's key.
func TestSync_TwoCallsWithTheSameNewItemCreateItOnce(t *testing.T) {
	a := newAPI(t)
	for round := range 5 {
		ext := fmt.Sprintf("race-%d", round)
		var wg sync.WaitGroup
		got := make([]string, 2)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := a.do(integration, upsertCustomers, map[string]any{"in": map[string]any{"source": "crm",
					"items": []any{customerItem(ext, "Raced "+ext)}}})
				var data struct {
					UpsertCustomers struct{ Results []syncResult }
				}
				if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.UpsertCustomers.Results) != 1 {
					got[i] = fmt.Sprintf("%d %.200s", r.Status, r.Body)
					return
				}
				got[i] = data.UpsertCustomers.Results[0].Status
			}()
		}
		wg.Wait()
		slices.Sort(got)
		if !slices.Equal(got, []string{"CREATED", "UNCHANGED"}) {
			t.Errorf("round %d: %q, want one CREATED and one UNCHANGED", round, got)
		}
		if n := a.int(`SELECT count(*) FROM customers WHERE name = $1`, "Raced "+ext); n != 1 {
			t.Errorf("round %d: %d customers", round, n)
		}
	}
}

// TestSync_AValueTakenMeanwhileIsReportedTheRestCommit: a call whose
// checks found an email free, and which another transaction takes before
// the call's insert (the other commits while the insert waits on it), is
// run again: the hire that claimed that email is reported INVALID at its
// email, the other hire of the call is created.
func TestSync_AValueTakenMeanwhileIsReportedTheRestCommit(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	ctx := t.Context()
	hire := func(ext, number, email string) map[string]any {
		return map[string]any{"externalId": ext, "employeeNumber": number, "firstName": "Sync", "lastName": "Hire " + ext,
			"email": email, "departmentId": gid("Department", f.department), "managerId": gid("Employee", f.manager),
			"employmentType": "FULL_TIME", "hiredOn": "2026-12-01", "weeklyCapacityHours": "40"}
	}
	// Another writer gives an employee the email, not yet committed.
	other := httpapitest.Conn(t)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `UPDATE employees SET email = 'raced@example.com' WHERE id = $1`, f.viewer); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		results []syncResult
		failed  string
	}
	done := make(chan answer, 1)
	go func() {
		r := a.do(integration, upsertEmployees, map[string]any{"in": map[string]any{"source": "hr-system",
			"items": []any{hire("hr-raced", "SYNC-R1", "raced@example.com"), hire("hr-free", "SYNC-R2", "free@example.com")}}})
		var data struct {
			UpsertEmployees struct{ Results []syncResult }
		}
		if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.UpsertEmployees.Results) != 2 {
			done <- answer{failed: fmt.Sprintf("%d %.300s", r.Status, r.Body)}
			return
		}
		done <- answer{results: data.UpsertEmployees.Results}
	}()
	// The call's insert waits for the other writer's row.
	deadline := time.Now().Add(time.Minute)
	for a.int(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO employees%'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("after a minute, the sync's insert is not waiting for the other writer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.failed != "" {
		t.Fatalf("the call failed: %s", got.failed)
	}
	rs := got.results
	if got := statuses(rs); !slices.Equal(got, []string{"INVALID", "CREATED"}) {
		t.Fatalf("statuses %v: %+v", got, rs)
	}
	if got := rs[0].problems(); !slices.Equal(got, []string{`BAD_USER_INPUT ["items",0,"email"]`}) {
		t.Errorf("the email taken meanwhile: %q", got)
	}
	if n := a.int(`SELECT count(*) FROM employees WHERE employee_number IN ('SYNC-R1', 'SYNC-R2')`); n != 1 {
		t.Errorf("%d of the two hires written, want the valid one", n)
	}
}
