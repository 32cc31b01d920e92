// Package topology runs bizgraph on one machine in the shape a firm runs
// it on several: a PostgreSQL primary, a streaming replica of it made with
// pg_basebackup -R (internal/pgembed), two API replicas (the real binary,
// built once) and HAProxy in front of them, health-checking each on
// /readyz. bench/cmd/topology (make topology) starts it for a person;
// its test drives it.
package topology

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/childproc"
	"github.com/bizgraph/bizgraph/internal/migrate"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/seed"
)

// ServerHeader names the API replica that answered, set by HAProxy on
// every answer it passes on (api1, api2).
const ServerHeader = "Bizgraph-Topology-Server"

// Options says how to start the topology.
type Options struct {
	// Dir holds the clusters, the binary, the configuration and every
	// process's log; it must exist and is not removed.
	Dir string
	// Go is the go command that builds the API; empty: "go".
	Go string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// ReplicaSettings are the replica's server parameters, such as
	// recovery_min_apply_delay. They are set with ALTER SYSTEM once it is
	// up, and kept over its restarts, not given on its command line,
	// which would take precedence over ALTER SYSTEM: so a reloadable one
	// can be changed while it runs (ALTER SYSTEM on the replica, then
	// pg_reload_conf()).
	ReplicaSettings map[string]string
	// APIEnv is added to each API replica's environment (REPLICA_MAX_LAG,
	// ...).
	APIEnv []string
	// Scale of the seeded data; 0: 0.01, the demo's.
	Scale float64
}

// Topology is a running topology. Close stops all of it.
type Topology struct {
	Primary, Replica *pgembed.Server
	// PrimaryURL and ReplicaURL are the firm's database on each server.
	PrimaryURL, ReplicaURL string
	// APIs are the API replicas, api1 and api2.
	APIs []*Process
	// Balancer is HAProxy; URL is its address.
	Balancer *Process
	URL      string
	// Token is an admin bearer token the API replicas accept.
	Token string
	// Bin is the API binary.
	Bin string

	replicaCfg pgembed.Config
	dir        string
}

// Process is a child process serving HTTP.
type Process struct {
	*childproc.Process
	// URL is where it serves (the API's address, or the balancer's);
	// MetricsURL its metrics, if any.
	URL, MetricsURL string
	// env is what an API replica was started with, to start it again;
	// starts counts its starts.
	env    []string
	starts int
}

// stopGrace is how long a process has to stop after SIGTERM before it is
// killed: more than an API replica's SHUTDOWN_TIMEOUT.
const stopGrace = 30 * time.Second

// database is the firm's database's name on both servers.
const database = "bizgraph"

// jwtSecret signs the topology's tokens; it guards a throwaway database
// on loopback only.
const jwtSecret = "topology-secret-topology-secret-0123456789"

// Start starts the topology and returns once the balancer passes requests
// to both API replicas. On error, what was started is stopped.
func Start(ctx context.Context, opts Options) (t *Topology, err error) {
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Scale == 0 {
		opts.Scale = 0.01
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		return nil, errors.New("no haproxy on this machine: run scripts/topology, or apt-get install -y haproxy")
	}
	bin, err := pgembed.FindBinaries(os.Getenv("PG_BIN_DIR"))
	if err != nil {
		return nil, err
	}
	// The postgres account must get through when the process runs as root.
	if err := os.Chmod(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	t = &Topology{dir: opts.Dir}
	defer func() {
		if err != nil {
			t.Close()
			t = nil
		}
	}()

	// The API binary builds while the databases start.
	built := make(chan error, 1)
	t.Bin = filepath.Join(opts.Dir, "bizgraph")
	go func() {
		out, err := exec.CommandContext(ctx, opts.Go, "build", "-o", t.Bin, "github.com/bizgraph/bizgraph").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("build the API: %w: %s", err, out)
		}
		built <- err
	}()

	fmt.Fprintln(opts.Log, "starting the PostgreSQL primary, migrating and seeding it")
	// Commits wait for their log to be flushed (Ephemeral turns that
	// off), so the replica receives every commit the API answered.
	t.Primary, err = pgembed.Start(ctx, pgembed.Config{DataDir: filepath.Join(opts.Dir, "primary"), BinDir: bin, Ephemeral: true,
		Settings: map[string]string{"synchronous_commit": "on"}})
	if err != nil {
		return t, fmt.Errorf("start the primary: %w", err)
	}
	if _, err := t.Primary.CreateDatabase(ctx, database); err != nil {
		return t, fmt.Errorf("create the database: %w", err)
	}
	t.PrimaryURL = t.Primary.URL(database)
	if err := migrateUp(ctx, t.PrimaryURL); err != nil {
		return t, err
	}
	if _, err := seed.Run(ctx, t.PrimaryURL, seed.Options{Scale: opts.Scale, Seed: 1}); err != nil {
		return t, fmt.Errorf("seed the database: %w", err)
	}
	fmt.Fprintln(opts.Log, "starting the streaming replica (pg_basebackup -R)")
	// A fixed port, so a restarted replica is where the API replicas'
	// pools look for it.
	raddr, err := childproc.FreeAddr()
	if err != nil {
		return t, err
	}
	_, rport, _ := net.SplitHostPort(raddr)
	t.replicaCfg = pgembed.Config{DataDir: filepath.Join(opts.Dir, "replica"), BinDir: bin, Ephemeral: true,
		ReplicaOf: t.Primary.URL("postgres")}
	if t.replicaCfg.Port, err = strconv.Atoi(rport); err != nil {
		return t, err
	}
	if t.Replica, err = pgembed.Start(ctx, t.replicaCfg); err != nil {
		return t, fmt.Errorf("start the replica: %w", err)
	}
	t.ReplicaURL = t.Replica.URL(database)
	if err := alterSystem(ctx, t.Replica.URL("postgres"), opts.ReplicaSettings); err != nil {
		return t, fmt.Errorf("set the replica's parameters: %w", err)
	}

	if err := <-built; err != nil {
		return t, err
	}
	mint := exec.CommandContext(ctx, t.Bin, "token", "--role", "admin", "--subject", "topology")
	mint.Env = append(os.Environ(), "JWT_SECRET="+jwtSecret)
	tok, err := mint.Output()
	if err != nil {
		return t, fmt.Errorf("mint a token: %w", err)
	}
	t.Token = strings.TrimSpace(string(tok))

	for i := range 2 {
		name := fmt.Sprintf("api%d", i+1)
		fmt.Fprintln(opts.Log, "starting", name)
		addr, err := childproc.FreeAddr()
		if err != nil {
			return t, err
		}
		maddr, err := childproc.FreeAddr()
		if err != nil {
			return t, err
		}
		env := append([]string{"DATABASE_URL=" + t.PrimaryURL, "DATABASE_REPLICA_URLS=" + t.ReplicaURL,
			"ADDR=" + addr, "METRICS_ADDR=" + maddr, "JWT_SECRET=" + jwtSecret, "PERSISTED_QUERIES=automatic",
			"PLAYGROUND=false", "LOG_LEVEL=warn"}, opts.APIEnv...)
		p := &Process{URL: "http://" + addr, MetricsURL: "http://" + maddr, env: env}
		t.APIs = append(t.APIs, p) // before it starts: Close stops what started
		if err := t.startAPI(ctx, p, name, nil); err != nil {
			return t, err
		}
	}

	fmt.Fprintln(opts.Log, "starting HAProxy")
	addr, err := childproc.FreeAddr()
	if err != nil {
		return t, err
	}
	cfgPath := filepath.Join(opts.Dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(haproxyConfig(addr, t.APIs)), 0o644); err != nil {
		return t, err
	}
	cp, err := childproc.Start(filepath.Join(opts.Dir, "haproxy.log"), "haproxy", nil, haproxy, "-db", "-f", cfgPath)
	if err != nil {
		return t, err
	}
	t.URL = "http://" + addr
	t.Balancer = &Process{Process: cp, URL: t.URL}
	// Ready when both API replicas have answered through it.
	seen := map[string]bool{}
	err = t.Balancer.Await(ctx, t.URL+"/readyz", func(res *http.Response) bool {
		seen[res.Header.Get(ServerHeader)] = true
		return seen["api1"] && seen["api2"]
	})
	return t, err
}

// haproxyConfig balances the API replicas in turn. Each is checked on
// /readyz every 100 ms and taken out at the first failed check, back after
// two good ones. A request whose connection is refused, or whose
// connection closes before any answer (an API replica that is shutting
// down closes its idle connections), is sent again, to the other replica:
// nothing of it ran. A request that timed out is not: it may have written.
// Live updates' websockets may stay open an hour (timeout tunnel). A check
// has 2 s to answer (timeout check): without it HAProxy gives the whole
// check inter (100 ms), a /readyz slowed on two busy cores while a replica
// drains failed it, and both API replicas were sometimes out at once
// during a SIGTERM.
func haproxyConfig(addr string, apis []*Process) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout check 2s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend api
    bind %s
    default_backend apis

backend apis
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 100ms fall 1 rise 2
    http-response set-header %s %%[srv_name]
`, addr, ServerHeader)
	for _, p := range apis {
		fmt.Fprintf(&b, "    server %s %s check\n", p.Name, strings.TrimPrefix(p.URL, "http://"))
	}
	return b.String()
}

// StartAPI starts the stopped API replica i (0: api1) again on its
// addresses, as it was first started with env added (REPLICA_MAX_LAG=2s:
// a later value of a variable wins), and returns once it is ready; the
// balancer sends it requests again after two good checks. Each start logs
// to a file of its own (api1.log, api1.2.log, …).
func (t *Topology) StartAPI(ctx context.Context, i int, env ...string) error {
	p := t.APIs[i]
	select {
	case <-p.Done():
	default:
		return fmt.Errorf("%s is running", p.Name)
	}
	return t.startAPI(ctx, p, p.Name, env)
}

func (t *Topology) startAPI(ctx context.Context, p *Process, name string, env []string) error {
	p.starts++
	logName := name + ".log"
	if p.starts > 1 {
		logName = fmt.Sprintf("%s.%d.log", name, p.starts)
	}
	cp, err := childproc.Start(filepath.Join(t.dir, logName), name, append(slices.Clone(p.env), env...), t.Bin, "serve")
	if err != nil {
		return err
	}
	p.Process = cp
	return p.Await(ctx, p.URL+"/readyz", nil)
}

// StopReplica stops the database replica (a fast shutdown: its sessions
// are ended).
func (t *Topology) StopReplica(ctx context.Context) error { return t.Replica.Stop(ctx) }

// StartReplica starts the stopped database replica again, on its port.
func (t *Topology) StartReplica(ctx context.Context) (err error) {
	t.Replica, err = pgembed.Start(ctx, t.replicaCfg)
	return err
}

// migrateUp applies every migration to the database at url.
func migrateUp(ctx context.Context, url string) error {
	m, err := migrate.Open(url)
	if err != nil {
		return fmt.Errorf("migrate the database: %w", err)
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate the database: %w", err)
	}
	return nil
}

// Close stops the balancer, the API replicas and the databases.
func (t *Topology) Close() {
	if t.Balancer != nil {
		t.Balancer.Stop(stopGrace)
	}
	for _, p := range t.APIs {
		p.Stop(stopGrace)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range []*pgembed.Server{t.Replica, t.Primary} {
		if s != nil {
			_ = s.Stop(ctx)
		}
	}
}

// alterSystem sets the server parameters of the server at url with ALTER
// SYSTEM (it takes no bind parameters: the value is a quoted literal) and
// reloads its configuration.
func alterSystem(ctx context.Context, url string, settings map[string]string) error {
	if len(settings) == 0 {
		return nil
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		value := "'" + strings.ReplaceAll(settings[name], "'", "''") + "'"
		if _, err := conn.Exec(ctx, "ALTER SYSTEM SET "+pgx.Identifier{name}.Sanitize()+" = "+value); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	_, err = conn.Exec(ctx, "SELECT pg_reload_conf()")
	return err
}
