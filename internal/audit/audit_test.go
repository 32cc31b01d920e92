package audit_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

func count(t *testing.T, where string, args ...any) int {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Events recorded by many concurrent requests right up to shutdown are all
// stored by Close: none is lost, none is written twice.
func TestLog_CloseStoresEveryEventRecordedBeforeIt(t *testing.T) {
	l, err := audit.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 2000 // more than the buffer holds, so writers also wait for the writer
	subject := "close-" + fmt.Sprint(time.Now().UnixNano())
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				l.Record(context.Background(), audit.Event{At: time.Now(), Subject: subject, Roles: []string{"hr", "viewer"},
					Operation: "Payroll", RequestID: "r1", Field: "Employee.salary", EmployeeID: int64(w*each + i + 1),
					RecordID: int64(w*each + i + 1)})
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, "subject = $1", subject); n != writers*each {
		t.Fatalf("%d events stored after Close, want %d", n, writers*each)
	}
	if n := count(t, "subject = $1 AND roles = 'hr viewer' AND operation = 'Payroll' AND field = 'Employee.salary'", subject); n != writers*each {
		t.Fatalf("%d events stored with their details, want %d", n, writers*each)
	}
	if n := count(t, "subject = $1 AND employee_id BETWEEN 1 AND $2", subject, writers*each); n != writers*each {
		t.Fatalf("%d distinct employees, want %d", n, writers*each)
	}
	// A late event (a request that outlived shutdown) neither panics nor
	// is stored.
	l.Record(context.Background(), audit.Event{At: time.Now(), Subject: subject, Field: "Employee.salary", RecordID: 1})
}

func TestLog_EventWithoutEmployeeOrOperationStoresNulls(t *testing.T) {
	l, err := audit.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Record(context.Background(), audit.Event{At: time.Now(), Subject: "nulls", Roles: []string{"manager"}, Field: "ProjectHours.billableAmount", RecordID: 9})
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, "subject = 'nulls' AND employee_id IS NULL AND operation IS NULL AND record_id = 9"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}
