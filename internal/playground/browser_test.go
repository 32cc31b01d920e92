package playground_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestPlayground_InBrowser opens the playground in headless Chromium
// against the real API and does what a newcomer does: reads the docs, runs
// the first example, sees the firm's data. All the while the page must ask
// no host but the API's server for anything.
func TestPlayground_InBrowser(t *testing.T) {
	browser := chromiumPath(t)
	srv, db := newAPI(t)
	var firstCustomer string
	if err := db.Raw("SELECT name FROM customers WHERE segment IN ('enterprise', 'mid_market') AND status = 'active' ORDER BY id LIMIT 1").Scan(&firstCustomer).Error; err != nil || firstCustomer == "" {
		t.Fatalf("read the first customer's name: %q, %v", firstCustomer, err)
	}
	var firstSalary string
	if err := db.Raw("SELECT salary::text FROM employees ORDER BY id LIMIT 1").Scan(&firstSalary).Error; err != nil || firstSalary == "" {
		t.Fatalf("read the first employee's salary: %q, %v", firstSalary, err)
	}
	salariesTab := `//button[contains(@class, "graphiql-tab-button") and contains(., "Salaries")]`

	ctx, requests, problems := startBrowser(t, browser)
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-container .graphiql-execute-button`)),
		waitForText("the example tabs are open", `.graphiql-tabs`, "CustomerWithProjects", "ReportingLine", "ProjectPage"),

		// The docs come from the schema's descriptions, by introspection.
		chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)),
		waitForText("the docs list the root type", `.graphiql-doc-explorer`, "Query"),
		chromedp.Click(chromedp.CSS(`.graphiql-doc-explorer a.graphiql-doc-explorer-type-name`)),
		waitForText("the docs show the schema's description of Query", `.graphiql-doc-explorer`, "The firm's data", "customers"),

		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		waitForText("the response shows the first matching customer from the database", `.graphiql-response`, firstCustomer, `"projects"`),

		// The demo's role buttons: a viewer gets the salaries FORBIDDEN
		// (the rest of the answer comes too, below the errors); one click
		// later hr sees the values.
		chromedp.Click(chromedp.Search(salariesTab)),
		waitForText("the Salaries tab is open", `.graphiql-tab-active`, "Salaries"),
		chromedp.Click(chromedp.CSS(`button[data-role="viewer"]`)),
		waitForText("the viewer button is pressed", `button[aria-pressed="true"]`, "viewer"),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		waitForText("a viewer gets FORBIDDEN salaries", `.graphiql-response`, "FORBIDDEN", "Employee.salary"),
		chromedp.Click(chromedp.CSS(`button[data-role="hr"]`)),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		waitForText("hr gets the salary values", `.graphiql-response`, `"salary": "`+firstSalary+`"`),
	)
	// The screenshot shows what the page looked like, on failure too.
	if png, serr := chromedp.Run(ctx, chromedp.CaptureScreenshot()); serr == nil {
		path := filepath.Join(os.TempDir(), "playground.png")
		if werr := os.WriteFile(path, png, 0o644); werr != nil {
			t.Errorf("write screenshot: %v", werr)
		} else {
			t.Logf("screenshot: %s", path)
		}
	}
	if err != nil {
		t.Fatal(err)
	}

	server, _ := url.Parse(srv.URL)
	reqs := requests()
	for _, u := range reqs {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "data" && p.Host != server.Host) {
			t.Errorf("the page asked another host: %s", u)
		}
	}
	// The check above means something only if requests were seen at all.
	if !slices.Contains(reqs, srv.URL+"/graphql") {
		t.Errorf("no request to the API was recorded: %q", reqs)
	}
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}

// chromiumPath finds Chromium. Without it the test fails, so that a green
// run always means the playground was seen working, unless the caller opts
// out explicitly.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("BIZGRAPH_SKIP_BROWSER") == "1" {
		t.Skip("BIZGRAPH_SKIP_BROWSER=1: the browser test is skipped")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("Chromium is not installed, and the playground's browser test needs it. " +
		"Install it (Debian: apt-get update && apt-get install -y chromium), " +
		"or set BIZGRAPH_SKIP_BROWSER=1 to skip this test.")
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile that makes
// no traffic of its own, and records what its page requests and every error
// it reports.
func startBrowser(t *testing.T, path string) (ctx context.Context, requests, problems func() []string) {
	t.Helper()
	profile, err := os.MkdirTemp("", "bizgraph-chromium-")
	if err != nil {
		t.Fatalf("make browser profile: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(profile), chromedp.WindowSize(1440, 900)}
	for _, flag := range []string{"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
		"disable-background-networking", "disable-component-update", "disable-sync"} {
		opts = append(opts, chromedp.Flag(flag, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc() })

	var mu sync.Mutex
	var reqs, probs []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			reqs = append(reqs, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			probs = append(probs, "uncaught: "+msg)
		case *log.EventEntryAdded:
			// Content-Security-Policy violations and failed loads land here.
			if ev.Entry.Level == log.EntryLevelError {
				probs = append(probs, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				probs = append(probs, "console.error from the page")
			}
		}
	})
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	snapshot := func(s *[]string) func() []string {
		return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), *s...) }
	}
	return ctx, snapshot(&reqs), snapshot(&probs)
}

// waitForText waits until the element's visible text contains every want;
// what says what the user would otherwise not have seen.
func waitForText(what, selector string, want ...string) chromedp.Action[chromedp.Void] {
	sel, _ := json.Marshal(selector)
	words, _ := json.Marshal(want)
	poll := chromedp.Poll[bool](fmt.Sprintf(`(() => { const el = document.querySelector(%s);
		const text = el ? el.innerText : ""; return %s.every(w => text.includes(w)); })()`, sel, words),
		chromedp.WithPollingTimeout(20*time.Second))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := poll(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("%s: %w", what, err)
		}
		return chromedp.Void{}, nil
	}
}
