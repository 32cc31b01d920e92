package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// BenchmarkReports sends each analytics operation of bench/operations (the
// files the load benchmark and the persisted-query manifest use) through
// the API's handler in-process, and reports the median latency besides
// the mean. Point BENCH_DATABASE_URL at a database seeded at scale 1 and
// migrated (time_entry_months) for the figures README quotes; otherwise it
// runs on the test package's demo data.
func BenchmarkReports(b *testing.B) {
	url := httpapitest.URL()
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" {
		url = u
	}
	db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h := service.New(service.Config{DB: db, PageLimits: page.Limits{}, Auth: httpapitest.Authenticator(b, db, httpapitest.Admin),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	const dir = "../../bench/operations"
	specs, err := filepath.Glob(filepath.Join(dir, "*_analytics_*.json"))
	if err != nil || len(specs) == 0 {
		b.Fatalf("no analytics operations in %s (%v)", dir, err)
	}
	for _, path := range specs {
		body := operationBody(b, db, path)
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		b.Run(name[strings.Index(name, "_analytics_")+len("_analytics_"):], func(b *testing.B) {
			send := func() []byte {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				h.ServeHTTP(rec, req)
				return rec.Body.Bytes()
			}
			if res := send(); bytes.Contains(res, []byte(`"errors"`)) {
				b.Fatalf("%.300s", res)
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				send()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns/op")
		})
	}
}

// operationBody is the request of one operation file: its document (its
// own .graphql or the one it names), its variables, and any department id
// it derives from the database (bench/README.md, "Operations").
func operationBody(b *testing.B, db *database.DB, path string) []byte {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var spec struct {
		Document  string         `json:"document"`
		Variables map[string]any `json:"variables"`
		Derive    map[string]struct {
			Type, SQL string
		} `json:"derive"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	if spec.Document == "" {
		spec.Document = strings.TrimSuffix(filepath.Base(path), ".json") + ".graphql"
	}
	text, err := os.ReadFile(filepath.Join(filepath.Dir(path), spec.Document))
	if err != nil {
		b.Fatal(err)
	}
	if spec.Variables == nil { // an operation whose variables are all derived
		spec.Variables = map[string]any{}
	}
	for name, d := range spec.Derive {
		var key int64
		if err := db.Raw(d.SQL).Scan(&key).Error; err != nil || key == 0 {
			b.Fatalf("%s: derive %s: %v", path, name, err)
		}
		spec.Variables[name] = store.GlobalID(d.Type, key)
	}
	body, _ := json.Marshal(map[string]any{"query": string(text), "variables": spec.Variables})
	return body
}
