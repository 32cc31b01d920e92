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

// Operation names come from clients; past 200 distinct ones, new names are
// counted as "other" so a client cannot grow the series without bound.
func TestOperationLabel_IsBoundedAndNamesTheUnnamed(t *testing.T) {
	m := metrics.New()
	for i := range 250 {
		m.ObserveOperation(fmt.Sprintf("Op%d", i), time.Millisecond, 1)
	}
	m.ObserveOperation("", time.Millisecond, 1)
	m.ObserveOperation("Op7", time.Millisecond, 1) // known before the bound: keeps its name
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`bizgraph_operation_duration_seconds_count{operation="Op7"} 2`,
		`bizgraph_operation_duration_seconds_count{operation="Op199"} 1`,
		`bizgraph_operation_duration_seconds_count{operation="other"} 50`,
		`bizgraph_operation_duration_seconds_count{operation="anonymous"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(body), `operation="Op200"`) {
		t.Errorf("the 201st name got a series of its own")
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
