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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// TestPlayground_InBrowser opens the playground in headless Chromium
// against the real API and does what a newcomer does: reads the docs, runs
// the first example, sees the firm's data, then runs the live updates'
// subscription and sees a message arrive when time is logged on the
// project. All the while the page must ask no host but the API's server
// for anything.
func TestPlayground_InBrowser(t *testing.T) {
	browser := chromiumPath(t)
	// With subscriptions, and credentials checked as in production: the
	// subscription is served only if the role button's token reaches the
	// websocket's connection_init. The test writes to a copy of the data.
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{Introspection: true, Playground: true, PlaygroundRoles: demoRoles(t)})
	var firstCustomer string
	if err := db.Raw("SELECT name FROM customers WHERE segment IN ('enterprise', 'mid_market') AND status = 'active' ORDER BY id LIMIT 1").Scan(&firstCustomer).Error; err != nil || firstCustomer == "" {
		t.Fatalf("read the first customer's name: %q, %v", firstCustomer, err)
	}
	var firstSalary string
	if err := db.Raw("SELECT salary::text FROM employees ORDER BY id LIMIT 1").Scan(&firstSalary).Error; err != nil || firstSalary == "" {
		t.Fatalf("read the first employee's salary: %q, %v", firstSalary, err)
	}
	salariesTab := `//button[contains(@class, "graphiql-tab-button") and contains(., "Salaries")]`
	liveTab := `//button[contains(@class, "graphiql-tab-button") and contains(., "ProjectLive")]`

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

		// Live updates: the subscription tab runs over the websocket.
		chromedp.Click(chromedp.Search(liveTab)),
		waitForText("the ProjectLive tab is open", `.graphiql-tab-active`, "ProjectLive"),
		chromedp.Click(chromedp.CSS(`button[data-role="viewer"]`)),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		waitUntil("the page's subscription is open on the server", func() bool { return feed.Subscribers() > 0 }),
	)
	if err == nil {
		// Someone logs time on the project, through the API; the page must
		// show the message it causes: the project as it is after the write.
		logged := logTimeOnFirstProject(t, srv.URL, db)
		err = chromedp.Do(ctx,
			waitForText("the time logged arrives in the result pane", `.graphiql-response`,
				`"projectUpdated"`, `"logged": `+logged),
		)
	}
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
	if !slices.Contains(reqs, srv.URL+"/graphql") || !slices.Contains(reqs, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql") {
		t.Errorf("no request or no websocket to the API was recorded: %q", reqs)
	}
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}

// logTimeOnFirstProject logs an hour and a half on project 1 (the one the
// ProjectLive tab watches) as a person of the firm, and returns the
// project's logged hours after it as the API answered them (JSON).
func logTimeOnFirstProject(t *testing.T, api string, db *database.DB) string {
	t.Helper()
	var employee int64
	if err := db.Raw(`SELECT min(id) FROM employees WHERE hired_on < '2026-11-30' AND status = 'active'`).Scan(&employee).Error; err != nil || employee == 0 {
		t.Fatalf("find a person to log time: %d, %v", employee, err)
	}
	body := `{"query": "mutation { logTime(input: { entries: [{ projectId: \"UHJvamVjdDox\", workDate: \"2026-11-30\", hours: \"1.5\", billable: true }] }) { timeEntries { project { hours { logged } } } } }"}`
	r := httpapitest.Do(t, "POST", api+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + httpapitest.Token(t, employee, auth.Viewer)}, body)
	var data struct {
		LogTime struct {
			TimeEntries []struct {
				Project struct {
					Hours struct{ Logged json.RawMessage }
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.LogTime.TimeEntries) != 1 {
		t.Fatalf("log time: %s (%v)", r.Body, err)
	}
	return string(data.LogTime.TimeEntries[0].Project.Hours.Logged)
}

// waitUntil waits, polling, until cond holds: for what the page caused
// on the server, which the page itself cannot show.
func waitUntil(what string, cond func() bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for !cond() {
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("%s: %w", what, ctx.Err())
			case <-tick.C:
			}
		}
		return chromedp.Void{}, nil
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
		case *network.EventWebSocketCreated:
			reqs = append(reqs, ev.URL)
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
