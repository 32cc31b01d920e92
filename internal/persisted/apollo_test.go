package persisted_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/persisted"
)

// The real Apollo Client with its persisted-queries link, unchanged, under
// Node: each first query is sent as a hash, answered "not found", resent
// with its text (which registers it) and answered; the second is the hash
// alone. Over POST, and with useGETForHashedQueries over GET.
func TestApolloClient_PersistedQueryLinkRoundTrip(t *testing.T) {
	dir := apolloProject(t)
	api := newServer(t, persisted.Automatic)
	var mu sync.Mutex
	var seen []string // "METHOD hash" or "METHOD hash+text"
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.Method + " " + requestKind(t, r)
		mu.Lock()
		seen = append(seen, kind)
		mu.Unlock()
		proxy(t, w, r, api.URL)
	}))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "apq.mjs", srv.URL+"/graphql", strings.ReplaceAll(t.Name(), "_", ""))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node apq.mjs: %v\n%s", err, stderr.Bytes())
	}

	var customers int
	if err := openDB(t).Raw(`SELECT count(*) FROM customers`).Scan(&customers).Error; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 answers, got:\n%s", out)
	}
	for _, line := range lines {
		var a struct {
			Name  string
			Error string
			Data  struct {
				Customers struct {
					TotalCount int
					Nodes      []struct{ Name string }
				}
			}
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil || a.Error != "" {
			t.Fatalf("answer %s: %v", line, err)
		}
		if a.Data.Customers.TotalCount != customers || len(a.Data.Customers.Nodes) != 3 {
			t.Errorf("%s: %d customers, %d nodes; want %d and 3", a.Name, a.Data.Customers.TotalCount, len(a.Data.Customers.Nodes), customers)
		}
	}
	want := []string{
		"POST hash", "POST hash+text", "POST hash", // not found, registered, hit
		"GET hash", "POST hash+text", "GET hash", // Apollo resends text by POST
	}
	if !slices.Equal(seen, want) {
		t.Errorf("requests:\n%v\nwant\n%v", seen, want)
	}
}

// requestKind tells a request that sends only a hash from one that sends
// the text too, reading and restoring the body.
func requestKind(t *testing.T, r *http.Request) string {
	query := r.URL.Query().Get("query")
	ext := r.URL.Query().Get("extensions")
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var p struct {
			Query      string
			Extensions json.RawMessage
		}
		_ = json.Unmarshal(body, &p)
		query, ext = p.Query, string(p.Extensions)
	}
	kind := "none"
	if strings.Contains(ext, "sha256Hash") {
		kind = "hash"
	}
	if query != "" {
		kind += "+text"
	}
	return kind
}

// proxy forwards r to the API at base and copies the answer back.
func proxy(t *testing.T, w http.ResponseWriter, r *http.Request, base string) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer res.Body.Close()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, res.Body)
}

// apolloProject is the npm project of apollotest/, installed from its
// package-lock.json when it is not yet (a clean clone).
func apolloProject(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("apollotest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("this test runs Apollo Client under Node.js: install node (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@apollo", "client", "package.json")); err == nil {
		return dir
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return dir
}
