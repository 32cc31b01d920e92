package pgembed

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	if os.Getenv("PGEMBED_CHILD") == "1" {
		runChild()
		return
	}
	os.Exit(m.Run())
}

// runChild is the helper process of TestServer_StopsWhenItsOwnerIsKilled:
// it starts a server, reports its port and waits to be killed.
func runChild() {
	s, err := Start(context.Background(), Config{DataDir: os.Getenv("PGEMBED_DATA"), Ephemeral: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("port=%d\n", s.port)
	time.Sleep(time.Hour)
}

func TestStart_KeepsDataAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	var firstLog logBuffer
	first := mustStart(t, Config{DataDir: dir, Log: &firstLog})
	run(t, first.URL("postgres"), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	stop(t, first)
	if !strings.Contains(firstLog.String(), "initializing") {
		t.Errorf("first start did not create the cluster; its log:\n%s", firstLog.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid after Stop: %v, want it removed by a clean shutdown", err)
	}

	var secondLog logBuffer
	second := mustStart(t, Config{DataDir: dir, Log: &secondLog})
	if got := queryString(t, second.URL("postgres"), "SELECT v FROM kept"); got != "still here" {
		t.Errorf("kept row = %q, want %q", got, "still here")
	}
	t.Logf("ports: %d, then %d", first.port, second.port)
	stop(t, second)
	if strings.Contains(secondLog.String(), "initializing") {
		t.Errorf("second start ran initdb again; its log:\n%s", secondLog.String())
	}
	for _, name := range []string{"postgres.log", "postgres.log.1"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("server log %s: %v, want a non-empty file", name, err)
		}
	}
}

func TestStart_Port(t *testing.T) {
	t.Parallel()
	// The machine's own server usually holds 5432; make sure someone does.
	if c, err := net.Dial("tcp", "127.0.0.1:5432"); err == nil {
		c.Close()
	} else if l, err := net.Listen("tcp", "127.0.0.1:5432"); err == nil {
		t.Cleanup(func() { l.Close() })
	}
	configured, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		port int
		want func(port int) bool
	}{
		{"zero picks a free one while 5432 is taken", 0, func(p int) bool { return p != 5432 && p != 0 }},
		{"configured one is used", configured, func(p int) bool { return p == configured }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustStart(t, Config{DataDir: dataDir(t), Port: tc.port, Ephemeral: true})
			if !tc.want(s.port) || !strings.Contains(s.URL("x"), ":"+strconv.Itoa(s.port)+"/x") {
				t.Errorf("port %d, URL %s", s.port, s.URL("x"))
			}
			run(t, s.URL("postgres"), "SELECT 1")
		})
	}
}

func TestServer_CreateDatabaseOnlyIfMissing(t *testing.T) {
	t.Parallel()
	s := mustStart(t, Config{DataDir: dataDir(t), Ephemeral: true})
	for _, want := range []bool{true, false} {
		created, err := s.CreateDatabase(context.Background(), "Reports 2024")
		if err != nil || created != want {
			t.Fatalf("CreateDatabase = %v, %v; want %v, nil", created, err, want)
		}
	}
	run(t, s.URL("Reports 2024"), "SELECT 1")
}

func TestStart_Settings(t *testing.T) {
	t.Parallel()
	settings := map[string]string{"work_mem": "7MB", "application_name": "settings test"}
	bin, err := FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	// The load benchmark counts statements with pg_stat_statements, which
	// only a start can load; Debian's packages ship it.
	preload := HasLibrary(bin, "pg_stat_statements")
	if preload {
		settings["shared_preload_libraries"] = "pg_stat_statements"
	} else if strings.HasPrefix(bin, "/usr/lib/postgresql/") {
		t.Errorf("HasLibrary(%s, pg_stat_statements) = false; Debian's server package ships it", bin)
	}
	if HasLibrary(bin, "no_such_module") {
		t.Error("HasLibrary found a module that does not exist")
	}
	s := mustStart(t, Config{DataDir: dataDir(t), Ephemeral: true, Settings: settings})
	if got := queryString(t, s.URL("postgres"), "SELECT current_setting('work_mem')"); got != "7MB" {
		t.Errorf("work_mem = %q, want 7MB", got)
	}
	if preload {
		run(t, s.URL("postgres"), "CREATE EXTENSION pg_stat_statements")
		got := queryString(t, s.URL("postgres"), "SELECT count(*)::text FROM pg_stat_statements")
		if got == "0" {
			t.Error("pg_stat_statements counted nothing after a CREATE EXTENSION")
		}
	}
}

func TestStart_RefusesADataDirectoryInUse(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := mustStart(t, Config{DataDir: dir, Ephemeral: true})
	if other, err := Start(context.Background(), Config{DataDir: dir, Ephemeral: true}); err == nil {
		stop(t, other)
		t.Fatal("second Start on the same data directory succeeded")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the directory is in use", err)
	}
	run(t, s.URL("postgres"), "SELECT 1")
}

func TestStart_RecoversFromACrash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// crash leaves s's data directory as a crash would and returns
		// what to check after the next Start.
		crash func(t *testing.T, s *Server) (check func(t *testing.T))
	}{
		{"postmaster killed", func(t *testing.T, s *Server) func(*testing.T) {
			if err := syscall.Kill(postmasterPID(t, s.dataDir), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if err := s.Stop(context.Background()); err == nil {
				t.Error("Stop after the server was killed reported no error")
			}
			return nil
		}},
		{"stale postmaster.pid naming a dead process", func(t *testing.T, s *Server) func(*testing.T) {
			gone := exec.Command("true")
			if err := gone.Run(); err != nil {
				t.Fatal(err)
			}
			leaveStalePIDFile(t, s, gone.Process.Pid)
			return nil
		}},
		{"stale postmaster.pid naming an unrelated process", func(t *testing.T, s *Server) func(*testing.T) {
			stranger := exec.Command("sleep", "60")
			if err := stranger.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { stranger.Process.Kill(); stranger.Wait() })
			leaveStalePIDFile(t, s, stranger.Process.Pid)
			return func(t *testing.T) {
				if err := stranger.Process.Signal(syscall.Signal(0)); err != nil {
					t.Errorf("the unrelated process was signalled: %v", err)
				}
			}
		}},
		{"orphaned postmaster still running", func(t *testing.T, s *Server) func(*testing.T) {
			stop(t, s)
			exited := runOrphan(t, s)
			return func(t *testing.T) {
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					t.Error("the orphaned postmaster is still running")
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := dataDir(t)
			check := tc.crash(t, mustStart(t, Config{DataDir: dir, Ephemeral: true}))
			s := mustStart(t, Config{DataDir: dir, Ephemeral: true})
			run(t, s.URL("postgres"), "SELECT 1")
			if check != nil {
				check(t)
			}
		})
	}
}

func TestServer_StopsWhenItsOwnerIsKilled(t *testing.T) {
	t.Parallel()
	acct, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		unprivileged bool // run the owner as the account root runs servers as
	}{
		{"owner runs as this test's user", false},
		{"owner runs as an unprivileged user", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var as *account
			if tc.unprivileged {
				if as = acct; as == nil {
					t.Skip("this test's user is unprivileged already")
				}
			}
			owner, dir, port := startOwner(t, as)
			if err := owner.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			deadline := time.Now().Add(10 * time.Second)
			for {
				c, dialErr := net.DialTimeout("tcp", addr, time.Second)
				_, statErr := os.Stat(filepath.Join(dir, "postmaster.pid"))
				if dialErr != nil && os.IsNotExist(statErr) {
					return // gone, and by a clean shutdown
				}
				if c != nil {
					c.Close()
				}
				if time.Now().After(deadline) {
					t.Fatalf("10s after its owner was killed, the server still runs (dial: %v, postmaster.pid: %v)", dialErr, statErr)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

func TestStart_ExplainsADataDirectoryTheServerAccountCannotReach(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another account")
	}
	private, err := os.MkdirTemp("", "pgembed-private-") // mode 0700, like /root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(private) })
	s, err := Start(context.Background(), Config{DataDir: filepath.Join(private, "data", "deeper")})
	if err == nil {
		stop(t, s)
		t.Fatal("Start succeeded")
	}
	for _, want := range []string{private + " (drwx------", "chmod o+x " + private} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(private, "data")); !os.IsNotExist(err) {
		t.Errorf("the refused data directory was created (stat: %v)", err)
	}
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()
	found, err := FindBinaries("")
	if err != nil {
		t.Fatalf("FindBinaries(\"\"): %v", err)
	}
	tests := []struct {
		name       string
		configured string
		want       string // "" for an error
	}{
		{"discovers the machine's", "", found},
		{"takes a configured directory that has them", found, found},
		{"rejects a configured directory without them", t.TempDir(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindBinaries(tc.configured)
			if got != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("FindBinaries(%q) = %q, %v; want %q", tc.configured, got, err, tc.want)
			}
		})
	}
	if err := hasBinaries(found); err != nil {
		t.Error(err)
	}
}

// dataDir returns a data directory path, not yet created, in a fresh
// directory that the server's account may pass through when we are root.
func dataDir(t *testing.T) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(parent, "data")
}

// mustStart starts a server that the test stops at the end.
func mustStart(t *testing.T, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

func stop(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, url, sql string) {
	t.Helper()
	queryRow(t, url, sql, nil)
}

func queryString(t *testing.T, url, sql string) string {
	t.Helper()
	var s string
	queryRow(t, url, sql, &s)
	return s
}

// queryRow runs sql and scans its one row into dest, if any.
func queryRow(t *testing.T, url, sql string, dest any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if dest == nil {
		_, err = conn.Exec(ctx, sql)
	} else {
		err = conn.QueryRow(ctx, sql).Scan(dest)
	}
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	pid, err := readPID(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// leaveStalePIDFile stops s and puts back its postmaster.pid as a crash
// would have left it, naming pid.
func leaveStalePIDFile(t *testing.T, s *Server, pid int) {
	t.Helper()
	path := filepath.Join(s.dataDir, "postmaster.pid")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	_, rest, _ := strings.Cut(string(content), "\n")
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"+rest), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runOrphan runs postgres in s's data directory as no Server would own it,
// like one whose owner died without a parent-death signal, and returns a
// channel closed when it exits.
func runOrphan(t *testing.T, s *Server) <-chan struct{} {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.dataDir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=")
	cmd.Dir = s.dataDir
	cmd.SysProcAttr = procAttr(s.acct)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			c.Close()
			return exited
		}
		if time.Now().After(deadline) {
			t.Fatal("the orphan postmaster did not start listening")
		}
	}
}

// startOwner runs this test binary as a helper process (runChild) that
// owns a server, as acct if not nil, and returns it, the server's data
// directory and port.
func startOwner(t *testing.T, acct *account) (*exec.Cmd, string, int) {
	t.Helper()
	dir := dataDir(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if acct != nil {
		// go test builds into a directory private to us: copy the binary
		// where acct can run it, into a directory it owns.
		exe = copyExecutable(t, exe, filepath.Join(filepath.Dir(dir), "pgembed.test"))
		if err := os.Chown(filepath.Dir(dir), int(acct.uid), int(acct.gid)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(exe)
	cmd.Dir = filepath.Dir(dir)
	cmd.Env = append(os.Environ(), "PGEMBED_CHILD=1", "PGEMBED_DATA="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential()}
	var stderr logBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
	}()
	select {
	case l := <-line:
		port, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "port=")))
		if err != nil {
			t.Fatalf("helper said %q; its stderr:\n%s", l, stderr.String())
		}
		return cmd, dir, port
	case <-time.After(30 * time.Second):
		t.Fatalf("helper reported no port; its stderr:\n%s", stderr.String())
		return nil, "", 0
	}
}

func copyExecutable(t *testing.T, from, to string) string {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return to
}

// logBuffer is a Log, or a helper's stderr, that the test can read while
// it is being written.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
