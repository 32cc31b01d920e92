package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the program: run with BIZGRAPH_MAIN=1 it is
// `bizgraph` with the given arguments, so the tests exercise the real
// command line, configuration and start-up without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("BIZGRAPH_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// program is a running `bizgraph` process.
type program struct {
	cmd  *exec.Cmd
	log  *bytes.Buffer
	addr string
	done chan error
}

// start runs the program as account (nil: the current user) with the
// given environment and waits until it is ready.
func start(t *testing.T, bin string, account *user.User, env ...string) *program {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "BIZGRAPH_MAIN=1", "ADDR="+addr, "DATABASE_URL=", "LOG_LEVEL=info")
	cmd.Env = append(cmd.Env, env...)
	if account != nil {
		uid, _ := strconv.Atoi(account.Uid)
		gid, _ := strconv.Atoi(account.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Env = append(cmd.Env, "HOME="+os.TempDir())
	}
	p := &program{cmd: cmd, log: &bytes.Buffer{}, addr: addr, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("program exited before it was ready: %v\n%s", err, p.log)
		default:
		}
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not ready after 2 minutes:\n%s", p.log)
	return nil
}

// stop interrupts the program as ^C would and waits for a clean exit.
func (p *program) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	awaitExit(t, p.done, p.log.String, "an interrupt")
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// nestedCustomers runs a 3-level query and returns how many customers,
// projects and team members it brought.
func nestedCustomers(t *testing.T, addr string) (customers, projects, members int) {
	t.Helper()
	body := `{"query":"{ customers(first: 20) { nodes { name projects(first: 5) { nodes { code team { nodes { employee { lastName } } } } } } } }"}`
	res, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Data struct {
			Customers struct {
				Nodes []struct {
					Projects struct {
						Nodes []struct {
							Team struct {
								Nodes []struct{ Employee struct{ LastName string } }
							}
						}
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("query failed (%v): %s", err, raw)
	}
	for _, c := range r.Data.Customers.Nodes {
		customers++
		for _, p := range c.Projects.Nodes {
			projects++
			members += len(p.Team.Nodes)
		}
	}
	return
}

// misspelledField asks for a field that does not exist and returns the
// error message.
func misspelledField(t *testing.T, addr string) string {
	t.Helper()
	res, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ customers { nodes { nam } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct{ Errors []struct{ Message string } }
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Errors) == 0 {
		t.Fatalf("no error for a misspelled field (%v)", err)
	}
	return r.Errors[0].Message
}

// Field suggestions default to the mode (on in demo mode, off against
// DATABASE_URL) unless set.
func TestConfig_FieldSuggestionsFollowTheModeUnlessSet(t *testing.T) {
	for _, tt := range []struct {
		set        []string // flag values given, in order
		demo, prod bool
	}{
		{nil, true, false},
		{[]string{"auto"}, true, false},
		{[]string{"true"}, true, true},
		{[]string{"false"}, false, false},
		{[]string{"false", "auto"}, true, false},
	} {
		var b autoBool
		for _, v := range tt.set {
			if err := b.Set(v); err != nil {
				t.Fatal(err)
			}
		}
		if b.or(true) != tt.demo || b.or(false) != tt.prod {
			t.Errorf("after %v: demo %v, production %v; want %v, %v", tt.set, b.or(true), b.or(false), tt.demo, tt.prod)
		}
	}
}

// executable copies the test binary where another account can run it.
func executable(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(reachableDir(t), "bizgraph")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// The first minute: with no configuration the program starts its own
// PostgreSQL (beside the machine's, which keeps port 5432), migrates and
// seeds it, and serves; stopped and started again it reuses the data
// without seeding. As whoever runs it, and — when that is root — as an
// ordinary user too.
func TestServe_EmbeddedFirstStartSeedsAndSecondStartReusesData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL twice")
	}
	bin := executable(t)
	accounts := map[string]*user.User{"current user": nil}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root, the ordinary-user case needs the nobody account: %v", err)
		}
		accounts["ordinary user nobody"] = u
	}
	for name, account := range accounts {
		t.Run(name, func(t *testing.T) {
			dataDir := filepath.Join(reachableDir(t), "data")
			if err := os.MkdirAll(dataDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if account != nil {
				uid, _ := strconv.Atoi(account.Uid)
				gid, _ := strconv.Atoi(account.Gid)
				for _, d := range []string{filepath.Dir(dataDir), dataDir} {
					if err := os.Chown(d, uid, gid); err != nil {
						t.Fatal(err)
					}
					_ = os.Chmod(d, 0o755)
				}
			}
			metricsAddr := freeAddr(t)
			first := start(t, bin, account, "DATA_DIR="+dataDir, "METRICS_ADDR="+metricsAddr)
			// The metrics are served on the operators' address, not to
			// anonymous callers of the API's port.
			for _, c := range []struct {
				addr string
				want int
			}{{first.addr, http.StatusNotFound}, {metricsAddr, http.StatusOK}} {
				res, err := http.Get("http://" + c.addr + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != c.want || (c.want == http.StatusOK && !bytes.Contains(body, []byte("bizgraph_"))) {
					t.Errorf("GET %s/metrics = %d %.100s, want %d", c.addr, res.StatusCode, body, c.want)
				}
			}
			if res, err := http.Get("http://" + first.addr + "/"); err != nil {
				t.Fatal(err)
			} else {
				page, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("playground")) {
					t.Fatalf("GET / = %d %.200s, want the playground", res.StatusCode, page)
				}
				if !bytes.Contains(page, []byte(`"role":"hr","token":"ey`)) {
					t.Errorf("the demo playground carries no development token for hr")
				}
				demoWrites(t, first.addr, page)
			}
			if !strings.Contains(first.log.String(), "DEMO MODE: the API is OPEN") {
				t.Errorf("the demo mode did not say it is open:\n%s", first.log)
			}
			c, p, m := nestedCustomers(t, first.addr)
			if c == 0 || p == 0 || m == 0 {
				t.Fatalf("first start serves %d customers, %d projects, %d team members: not seeded", c, p, m)
			}
			if msg := misspelledField(t, first.addr); !strings.Contains(msg, "Did you mean") {
				t.Errorf("demo mode: %q, want field suggestions", msg)
			}
			if !strings.Contains(first.log.String(), "seeding demo data") {
				t.Errorf("first start did not say it seeded:\n%s", first.log)
			}
			first.stop(t)
			if conn, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second); err != nil {
				t.Errorf("the machine's own PostgreSQL no longer answers on 5432: %v", err)
			} else {
				conn.Close()
			}

			began := time.Now()
			second := start(t, bin, account, "DATA_DIR="+dataDir)
			ready := time.Since(began)
			c2, p2, m2 := nestedCustomers(t, second.addr)
			if c2 != c || p2 != p || m2 != m {
				t.Errorf("second start serves %d/%d/%d, first %d/%d/%d: data not kept", c2, p2, m2, c, p, m)
			}
			if strings.Contains(second.log.String(), "seeding") {
				t.Errorf("second start seeded again:\n%s", second.log)
			}
			second.stop(t)
			t.Logf("second start ready in %s", ready.Round(time.Millisecond))
			if leftover := postgresUnder(dataDir); leftover != "" {
				t.Errorf("PostgreSQL still running after the program stopped: %s", leftover)
			}
		})
	}
}

// demoWrites: the demo playground's role buttons let a visitor write as
// each person's role: the viewer logs an hour of their own on a project.
func demoWrites(t *testing.T, addr string, page []byte) {
	t.Helper()
	token := func(role string) string {
		m := regexp.MustCompile(`"role":"` + role + `","token":"(ey[^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no %s token on the demo page", role)
		}
		return string(m[1])
	}
	post := func(role, query string) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest("POST", "http://"+addr+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token(role))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out["errors"] != nil {
			t.Fatalf("as %s: %v %v", role, err, out["errors"])
		}
		return out["data"].(map[string]any)
	}
	projects := post("viewer", `{ projects(first: 1, filter: { status: { eq: ACTIVE } }) { nodes { id } } }`)
	p := projects["projects"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["id"].(string)
	logged := post("viewer", `mutation { logTime(input: { entries: [{ projectId: "`+p+`", workDate: "2026-11-02", hours: "1.5", billable: true }] }) { timeEntries { hours employee { id } } } }`)
	entries := logged["logTime"].(map[string]any)["timeEntries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["hours"] != "1.50" {
		t.Errorf("the demo viewer logged %v", entries)
	}
}

// reachableDir is a temporary directory every account may pass through
// (t.TempDir's parent is private to the test's user).
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bizgraph-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// postgresUnder names a running postgres process using dir, if any.
func postgresUnder(dir string) string {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmdline, []byte("postgres")) && bytes.Contains(cmdline, []byte(dir)) {
			return e.Name() + ": " + string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
	return ""
}

// Wrong configuration stops the program with one clear line, no stack.
// (An unreachable database is not wrong configuration: the program waits
// for it, see TestServe_DatabaseDownAtStartThenUpThenGracefulStop.)
func TestConfig_WrongSettingIsOneClearLine(t *testing.T) {
	cases := map[string][]string{
		"bad log level":    {"LOG_LEVEL=loud"},
		"bad page sizes":   {"PAGE_SIZE_DEFAULT=500", "PAGE_SIZE_MAX=100"},
		"address in use":   {"ADDR=" + occupied(t)},
		"malformed db url": {"DATABASE_URL=postgres://%zz"},
		"unknown pq mode":  {"PERSISTED_QUERIES=sometimes"},
		"a limit of 0":     {"MAX_DEPTH=0"},
		"bad suggestions":  {"FIELD_SUGGESTIONS=maybe"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "serve")
			cmd.Env = append(os.Environ(), "BIZGRAPH_MAIN=1", "ADDR=127.0.0.1:0")
			cmd.Env = append(cmd.Env, env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("started with a wrong setting:\n%s", out)
			}
			lines := nonEmptyLines(out)
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "bizgraph: ") || strings.Contains(string(out), "goroutine") {
				t.Fatalf("want one line starting with \"bizgraph: \", got:\n%s", out)
			}
		})
	}
}

func occupied(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

func nonEmptyLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}

// Every command answers --help with its usage and exits 0.
func TestCommands_HelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"seed", "--help"}, {"documents", "--help"},
		{"token", "--help"}, {"apikey", "--help"}, {"apikey", "create", "--help"}, {"apikey", "list", "--help"}, {"apikey", "revoke", "--help"}} {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "BIZGRAPH_MAIN=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "USAGE") {
			t.Errorf("%v: err %v, output:\n%s", args, err, out)
		}
	}
}

var _ = context.Background
var _ = fmt.Sprint
