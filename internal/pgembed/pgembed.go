// Package pgembed runs a private PostgreSQL server from the machine's own
// binaries, so the product works with no database configured: the cluster
// lives in a data directory that survives restarts, and the server lives
// and dies with the program that started it.
//
// It runs initdb and postgres itself instead of using
// github.com/fergusstrange/embedded-postgres, which cannot run as root (its
// issue 95), and containers usually run as root.
package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// superuser is the role initdb creates; every URL connects as it.
	superuser = "postgres"
	// startTimeout bounds how long a new server may take to accept
	// connections; crash recovery of a large cluster is the slow case.
	startTimeout = 60 * time.Second
	// logName is the server's log in the data directory; the previous
	// run's log is kept beside it with the suffix ".1".
	logName = "postgres.log"
	// portAttempts is how often Start tries again when the free port it
	// picked was taken before postgres could bind it.
	portAttempts = 3
)

// Config says where the cluster lives and how to run it.
type Config struct {
	// DataDir is where the cluster lives. It is created if missing and
	// kept between runs.
	DataDir string
	// BinDir holds initdb and postgres; empty means FindBinaries looks.
	BinDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one on each start
	// (5432 usually belongs to the machine's own server).
	Port int
	// Log receives progress lines and the server's log; nil discards
	// them. The server's log also goes to postgres.log in DataDir.
	Log io.Writer
	// Ephemeral trades durability for speed, for throwaway test servers
	// only: neither initdb nor the server flushes anything to disk, so a
	// machine crash can corrupt the cluster.
	Ephemeral bool
	// Settings are server parameters given on the command line (-c
	// name=value), which take precedence over postgresql.conf: settings
	// that only a start can change, such as shared_preload_libraries.
	Settings map[string]string
	// ReplicaOf, a primary's URL, makes a new cluster a streaming replica
	// of that primary instead of an empty one: pg_basebackup -R copies it
	// and configures the replication (the primary must accept replication
	// connections from this machine, as a server of this package does).
	ReplicaOf string
}

// Server is a running PostgreSQL owned by this process. It accepts
// connections from this machine only (127.0.0.1 and a unix socket in the
// data directory) and trusts them without a password.
type Server struct {
	cfg     Config
	bin     string
	dataDir string   // absolute, symlinks resolved
	acct    *account // who postgres runs as; nil means as ourselves
	port    int

	log     *syncWriter // cfg.Log, safe for the server's output and our lines
	lock    *os.File    // holds the data directory's lock while we own it
	logFile *os.File
	child   *child

	stopOnce sync.Once
	stopErr  error
}

// Start runs a PostgreSQL server on cfg.DataDir, creating the cluster on
// first use, and returns once it accepts connections. Leftovers of an
// earlier run that crashed are cleared first. The server stops when Stop is
// called and, on Linux, when this process dies in any way.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("start PostgreSQL: no data directory configured")
	}
	bin, err := FindBinaries(cfg.BinDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := acct.checkReachable(filepath.Join(bin, "postgres")); err != nil {
		return nil, err
	}
	dataDir, err := prepareDataDir(cfg.DataDir, acct)
	if err != nil {
		return nil, err
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, bin: bin, dataDir: dataDir, acct: acct, log: &syncWriter{w: cfg.Log}, lock: lock}
	if err := s.start(ctx); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

// start brings the server up in the data directory it has locked: clears
// leftovers, creates the cluster on first use and launches postgres, on
// another free port if the one picked was taken meanwhile.
func (s *Server) start(ctx context.Context) error {
	if err := stopLeftovers(ctx, s.dataDir, s.log); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		create := s.initdb
		if s.cfg.ReplicaOf != "" {
			create = s.baseBackup
		}
		if err := create(ctx); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("inspect data directory: %w", err)
	}
	if err := s.openLog(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port := s.cfg.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return err
			}
			port = p
		}
		err := s.launch(ctx, port)
		var se *startError
		if err == nil || s.cfg.Port != 0 || attempt == portAttempts ||
			!errors.As(err, &se) || !strings.Contains(se.log, "already in use") {
			return err
		}
		fmt.Fprintf(s.log, "pgembed: port %d was taken meanwhile; trying another\n", port)
	}
}

// initdb creates the cluster. Trust authentication is safe because the
// server listens only on 127.0.0.1 and on a socket only its account and root
// can reach.
func (s *Server) initdb(ctx context.Context) error {
	fmt.Fprintf(s.log, "pgembed: initializing a new cluster in %s\n", s.dataDir)
	args := []string{"-D", s.dataDir, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C"}
	if s.cfg.Ephemeral {
		args = append(args, "--no-sync")
	}
	var out bytes.Buffer
	cmd := s.command(io.MultiWriter(&out, s.log), "initdb", args...)
	c, err := spawn(cmd)
	if err != nil {
		return fmt.Errorf("run initdb: %w", err)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		// initdb removes what it created when interrupted.
		_ = cmd.Process.Signal(os.Interrupt)
		<-c.done
	}
	if c.err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", s.dataDir, c.err, out.Bytes())
	}
	return nil
}

// baseBackup makes the cluster a copy of the primary at cfg.ReplicaOf that
// streams its changes from then on (standby.signal and primary_conninfo,
// written by -R).
func (s *Server) baseBackup(ctx context.Context) error {
	fmt.Fprintf(s.log, "pgembed: copying a replica into %s\n", s.dataDir)
	args := []string{"-D", s.dataDir, "-R", "-X", "stream", "-c", "fast", "-d", s.cfg.ReplicaOf}
	if s.cfg.Ephemeral {
		args = append(args, "--no-sync")
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "pg_basebackup"), args...)
	cmd.Dir = s.dataDir
	cmd.SysProcAttr = procAttr(s.acct)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_basebackup into %s: %w\n%s", s.dataDir, err, out.Bytes())
	}
	return nil
}

// openLog starts this run's server log, keeping the previous run's beside
// it: after a crash, that is the one worth reading.
func (s *Server) openLog() error {
	path := filepath.Join(s.dataDir, logName)
	if err := os.Rename(path, path+".1"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keep previous server log: %w", err)
	}
	// 0600: the log can quote SQL, and with it the firm's data.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	if s.acct != nil {
		// Like everything in the data directory, the server's account's:
		// a base backup (a replica made from this server) reads it.
		if err := f.Chown(int(s.acct.uid), int(s.acct.gid)); err != nil {
			_ = f.Close()
			return fmt.Errorf("give server log to user %s: %w", s.acct.name, err)
		}
	}
	s.logFile = f
	return nil
}

// launch runs postgres on port and waits until it accepts connections.
func (s *Server) launch(ctx context.Context, port int) error {
	logStart, err := s.logFile.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + socketDirs(s.dataDir)}
	if s.cfg.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Settings)) {
		args = append(args, "-c", name+"="+s.cfg.Settings[name])
	}
	fmt.Fprintf(s.log, "pgembed: starting %s on 127.0.0.1:%d\n", filepath.Join(s.bin, "postgres"), port)
	c, err := spawn(s.command(io.MultiWriter(s.logFile, s.log), "postgres", args...))
	if err != nil {
		return fmt.Errorf("run postgres: %w", err)
	}
	s.child, s.port = c, port
	if err := s.waitReady(ctx); err != nil {
		_ = shutdown(context.Background(), c.signal, c.done)
		return &startError{err: err, log: s.logTail(logStart)}
	}
	return nil
}

// command prepares one of the PostgreSQL programs to run as the server's
// account, in the data directory: the directory we were started in may be
// out of that account's reach.
func (s *Server) command(out io.Writer, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dataDir
	cmd.SysProcAttr = procAttr(s.acct)
	cmd.Stdout, cmd.Stderr = out, out
	// Children of a killed postmaster may hold the output pipe a moment.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// waitReady polls until the server accepts connections, it exits, or the
// start-up timeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.child.done:
			return fmt.Errorf("postgres exited during start-up: %v", s.child.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections: %w (last attempt: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// startError is a failed start with what the server logged meanwhile.
type startError struct {
	err error
	log string
}

func (e *startError) Error() string {
	return fmt.Sprintf("start PostgreSQL: %v; its log ends:\n%s", e.err, e.log)
}

func (e *startError) Unwrap() error { return e.err }

// logTail returns the end of what the server logged from offset on.
func (s *Server) logTail(offset int64) string {
	const max = 4096
	b, err := os.ReadFile(filepath.Join(s.dataDir, logName))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	b = b[min(offset, int64(len(b))):]
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// URL returns the connection URL of database on this server, as superuser.
func (s *Server) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// CreateDatabase creates database name unless it exists, and reports
// whether it did.
func (s *Server) CreateDatabase(ctx context.Context, name string) (created bool, err error) {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return false, fmt.Errorf("create database %s: connect: %w", name, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

// Stop shuts the server down (a fast shutdown: open transactions roll back)
// and waits for it to exit, escalating if it does not; see shutdown. Once
// ctx is done it stops waiting for the fast shutdown. It reports a server
// that had died. Calling Stop again returns the first call's result.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		defer s.release()
		fmt.Fprintf(s.log, "pgembed: stopping the server on port %d\n", s.port)
		if err := shutdown(ctx, s.child.signal, s.child.done); err != nil {
			s.stopErr = err
		} else if s.child.err != nil {
			s.stopErr = fmt.Errorf("stop PostgreSQL: it had exited abnormally (%v); see %s",
				s.child.err, filepath.Join(s.dataDir, logName))
		}
	})
	return s.stopErr
}

// release gives up the data directory once the server is gone.
func (s *Server) release() {
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
	_ = s.lock.Close()
}

// freePort asks the kernel for a port nobody listens on. Another process
// may take it before postgres binds it; start tries again then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// socketDirs is the unix_socket_directories setting: the data directory,
// which the server's account can always write (an unprivileged account
// cannot write the packaged default, /var/run/postgresql). A socket path is
// limited to 107 bytes, so a deeper data directory gets no socket, and the
// server is reached over TCP only, as our URLs do anyway.
func socketDirs(dataDir string) string {
	if len(dataDir)+len("/.s.PGSQL.65535") > 107 {
		return ""
	}
	// Quoted: the setting is a comma-separated list.
	return `"` + strings.ReplaceAll(dataDir, `"`, `""`) + `"`
}

// syncWriter serialises writes to the caller's Log, which receives the
// server's output and our progress lines from different goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	if w.w == nil {
		return len(p), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
