package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/metrics"
)

// Operation names come from clients: 1000 junk names, sent as text or
// automatically persisted, add no label value; a trusted document's name
// has one of its own.
func TestOperationLabel_OnlyRegisteredNamesGetASeries(t *testing.T) {
	m := metrics.New()
	for i := range 1000 {
		m.ObserveOperation(fmt.Sprintf("Junk%d", i), false, time.Millisecond, 1)
	}
	m.ObserveOperation("", false, time.Millisecond, 1)
	m.ObserveOperation("ProjectBudgetBurn", true, time.Millisecond, 1)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`bizgraph_operation_duration_seconds_count{operation="other"} 1000`,
		`bizgraph_operation_duration_seconds_count{operation="anonymous"} 1`,
		`bizgraph_operation_duration_seconds_count{operation="ProjectBudgetBurn"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n := strings.Count(string(body), "bizgraph_operation_duration_seconds_count{"); n != 3 {
		t.Errorf("%d operation label values, want 3 (other, anonymous, ProjectBudgetBurn)", n)
	}
}

// What the admission step holds is read at each scrape.
func TestWatchAdmission_GaugesReadTheLoadAtScrape(t *testing.T) {
	m := metrics.New()
	executing, waiting, open := 0, 0, 0
	m.WatchAdmission(func() (int, int, int) { return executing, waiting, open })
	executing, waiting, open = 4, 7, 2
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{"bizgraph_operations_executing 4", "bizgraph_operations_waiting 7", "bizgraph_subscriptions_open 2"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
