// Package webhook sends the events of writes (internal/events) to the
// receivers admins register, signed as Standard Webhooks 1.0 messages,
// never lost and, per entity and endpoint, in order (issue 18).
//
// The work goes through River, a job queue in PostgreSQL:
//
//   - A write transaction that appends events also inserts one fan-out job,
//     in that transaction (events.SetHook), when an endpoint that is not
//     disabled exists: a write that rolls back sends nothing, one that
//     commits cannot lose its deliveries.
//   - The fan-out job turns the transaction's events into one delivery per
//     endpoint subscribed to each event's type, and one delivery job per
//     delivery, in one transaction that also completes the fan-out job.
//   - A delivery job delivers the oldest pending delivery of its (endpoint,
//     entity) under a transaction-scoped advisory lock on that pair: one
//     entity's events reach one endpoint in order, one at a time across
//     every process, while other entities go in parallel. A job delivers
//     one delivery, whichever is oldest, so as many jobs as deliveries
//     deliver them all; a spare job finds nothing and ends.
//   - A failed attempt is recorded with its next time, and the job snoozes
//     until then. A process killed mid-delivery rolls its transaction back
//     (the lock goes with it); the sweep enqueues a job again for pending
//     deliveries left without a live one.
package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// Config tunes deliveries. Zero values take the defaults.
type Config struct {
	// AllowPrivateNetworks lets endpoints resolve to loopback, private and
	// link-local addresses (tests, the demo). Off: refused at creation and
	// at every connection.
	AllowPrivateNetworks bool
	// Concurrency bounds the attempts in flight in this process; default 16.
	Concurrency int
	// PerEndpoint bounds those to one endpoint, so a slow receiver does
	// not hold every slot; default 4.
	PerEndpoint int
	// Timeout bounds one attempt, from connecting to the answer's status;
	// default 10s.
	Timeout time.Duration
	// RetryBase is the delay before the first retry; each next one is four
	// times longer, with ±20% jitter, up to RetryMax. Defaults 5s and 12h.
	RetryBase, RetryMax time.Duration
	// RetryPeriod is how long a delivery is retried after it was created
	// before it is given up, and how long an endpoint may fail without a
	// success before it is disabled; default 72h.
	RetryPeriod time.Duration
	// SecretOverlap is how long the previous secret still signs after a
	// rotation; default 24h.
	SecretOverlap time.Duration
	// SweepInterval is how often deliveries left without a job (their
	// process killed mid-attempt, their endpoint resumed) get one again;
	// default 30s.
	SweepInterval time.Duration
	// FetchPollInterval is how often River looks for jobs when no
	// notification woke it; default 100ms. River's insert notifications
	// are debounced (one per queue per 100ms and process), so jobs
	// committed just after one wait for the poll: at River's default 1s,
	// the median commit-to-receipt latency was about a second; at 100ms
	// it is a few hundred milliseconds for 2 cheap statements a second
	// more per queue (README, "Webhooks").
	FetchPollInterval time.Duration
	Log               *slog.Logger
}

// jobTimeout is how long a delivery job may run: its attempt and its
// statements (the lock's wait included). One running longer is taken for
// dead (its process killed mid-attempt) by the sweep, and by River at twice
// that.
func (c Config) jobTimeout() time.Duration { return 2*c.Timeout + 5*time.Second }

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = 4
	}
	def(&c.Timeout, 10*time.Second)
	def(&c.RetryBase, 5*time.Second)
	def(&c.RetryMax, 12*time.Hour)
	def(&c.RetryPeriod, 72*time.Hour)
	def(&c.SecretOverlap, 24*time.Hour)
	def(&c.SweepInterval, 30*time.Second)
	def(&c.FetchPollInterval, 100*time.Millisecond)
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// The queues and job kinds.
const (
	// fanOutWorkers run fan-outs at once per process: each is a short
	// transaction, and a burst of writes makes one per write.
	fanOutWorkers = 4
	fanOutQueue   = "webhook_fanout"
	deliveryQueue = "webhook_delivery"
	fanOutKind    = "webhook_fanout"
	deliveryKind  = "webhook_delivery"
)

// fanOutArgs name a committed write transaction whose events are to be
// delivered.
type fanOutArgs struct {
	Tx string `json:"tx"`
}

func (fanOutArgs) Kind() string { return fanOutKind }
func (fanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: fanOutQueue, MaxAttempts: 100}
}

// deliveryArgs ask for the oldest pending delivery of an entity to an
// endpoint to be attempted.
type deliveryArgs struct {
	Endpoint int64  `json:"endpoint"`
	Entity   string `json:"entity"`
}

func (deliveryArgs) Kind() string { return deliveryKind }

// Snoozes (waiting for a retry's time) do not count as attempts; these
// are failures of the job itself (the database unreachable).
func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: deliveryQueue, MaxAttempts: 100}
}

// Service manages endpoints (admin.go) and, once started, delivers.
type Service struct {
	cfg   Config
	db    *database.DB
	rules policy.Rules
	// insert joins the writes' transactions (database/sql, as the pool
	// runs them) to insert fan-out jobs, and the admin's to insert
	// deliveries.
	insert *river.Client[*sql.Tx]
	// work runs the jobs over a pgx pool of its own, which also listens
	// for River's notifications; nil until Start.
	work    *river.Client[pgx.Tx]
	pool    *pgxpool.Pool
	client  *http.Client
	slots   *slots
	stopped chan struct{}
	cancel  context.CancelFunc
	started atomic.Bool
}

// New prepares the service over db: it manages endpoints at once, and
// delivers once started.
func New(db *database.DB, rules policy.Rules, cfg Config) *Service {
	cfg = cfg.withDefaults()
	s := &Service{cfg: cfg, db: db, rules: rules, slots: &slots{max: cfg.PerEndpoint, n: map[int64]chan struct{}{}}}
	var err error
	s.insert, err = river.NewClient(riverdatabasesql.New(db.SQL()), &river.Config{Workers: s.workers(), Logger: quiet(cfg.Log)})
	if err != nil {
		// River checks the configuration, which is this function's own.
		panic(fmt.Sprintf("webhooks: River refused the insert-only configuration: %v", err))
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivateNetworks {
		dialer.Control = dialControl
	}
	s.client = &http.Client{
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: cfg.PerEndpoint,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout},
		// A redirect is the receiver's answer, not a new target: following
		// it would send the event where no admin registered it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// quiet is River's logger: its warnings and errors only.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelAtLeast{l.Handler(), slog.LevelWarn})
}

type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (s *Service) workers() *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(s.fanOut))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, job *river.Job[deliveryArgs]) error {
		release, ok := s.slots.take(ctx, job.Args.Endpoint, time.Second)
		if !ok {
			// The endpoint has had its share in flight for a while:
			// later, and let other endpoints' jobs run meanwhile.
			return river.JobSnooze(time.Second)
		}
		defer release()
		// A wait for an earlier event's fan-out is short (it is running
		// or about to): look again shortly, then let River run others.
		for range 20 {
			err := s.deliverNext(ctx, job.Args.Endpoint, job.Args.Entity)
			if !errors.Is(err, errFanOutPending) {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return river.JobSnooze(0)
	}))
	return w
}

// Start delivers from the database at url until Stop: the writes of this
// process enqueue their fan-out from now on, and River works the jobs of
// every process.
func (s *Service) Start(ctx context.Context, url string) error {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("webhooks: parse database url: %w", err)
	}
	// The attempts in flight each hold a connection (their lock), the
	// fan-outs one each, and River needs a few for fetching, listening and
	// maintenance.
	pcfg.MaxConns = int32(s.cfg.Concurrency + fanOutWorkers + 4)
	pcfg.ConnConfig.RuntimeParams["application_name"] = ApplicationName
	s.pool, err = pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("webhooks: open database pool: %w", err)
	}
	jobTimeout := s.cfg.jobTimeout()
	s.work, err = river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			fanOutQueue:   {MaxWorkers: fanOutWorkers},
			deliveryQueue: {MaxWorkers: s.cfg.Concurrency},
		},
		Workers:              s.workers(),
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: 2 * jobTimeout,
		FetchCooldown:        10 * time.Millisecond,
		FetchPollInterval:    s.cfg.FetchPollInterval,
		Logger:               quiet(s.cfg.Log),
	})
	if err != nil {
		s.pool.Close()
		return fmt.Errorf("webhooks: prepare the job queue: %w", err)
	}
	s.HookWrites()
	running, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.stopped = make(chan struct{})
	go s.run(running)
	return nil
}

// run starts River, once the database answers (River refuses to start
// while it does not, and the server starts without it), then sweeps until
// ctx ends.
func (s *Service) run(ctx context.Context) {
	defer close(s.stopped)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 10*time.Second) {
		// Stop, not ctx, stops River: it lets the attempts in flight end.
		err := s.work.Start(context.WithoutCancel(ctx))
		if err == nil {
			break
		}
		s.cfg.Log.Warn("webhooks: cannot start delivering yet; trying again", "err", err, "in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	s.started.Store(true)
	s.sweepEvery(ctx)
}

// Stop stops delivering: no new attempt starts, and those in flight get
// until ctx ends to finish (then they are cancelled, and retried by the
// next process). Writes still enqueue their fan-out (the hook needs no
// worker), so a write committed while the server drains is not lost.
func (s *Service) Stop(ctx context.Context) error {
	if s.work == nil {
		return nil
	}
	s.cancel()
	<-s.stopped
	var err error
	if s.started.Load() {
		err = s.work.Stop(ctx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = s.work.StopAndCancel(context.Background())
		}
	}
	s.pool.Close()
	if err != nil {
		return fmt.Errorf("webhooks: stop the job queue: %w", err)
	}
	return nil
}

// ApplicationName is the application_name of the deliverer's pool, so
// operators (and the benchmark's statement counter) can tell its
// connections apart.
const ApplicationName = "bizgraph-webhooks"

// HookWrites makes this process's write transactions enqueue their
// events' fan-out (Start does it; a process that writes without
// delivering calls it alone).
func (s *Service) HookWrites() { events.SetHook(s.enqueueFanOut, fanOutWanted) }

// fanOutWanted is when a write's events need a fan-out: an endpoint that
// is not disabled (a fan-out makes deliveries for those only, paused ones
// included) exists as the write appends them. A write with none to tell,
// as most are on a server without webhooks, then inserts no job and
// causes no fan-out transaction. An endpoint is sent the events appended
// after it was created.
const fanOutWanted = `EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)`

// enqueueFanOut is the events hook: one fan-out job in the write's
// transaction.
func (s *Service) enqueueFanOut(ctx context.Context, tx string) error {
	sqlTx, ok := database.SQLTx(ctx)
	if !ok {
		return errors.New("enqueue webhooks: not in a transaction")
	}
	if _, err := s.insert.InsertTx(ctx, sqlTx, fanOutArgs{Tx: tx}, nil); err != nil {
		return fmt.Errorf("enqueue webhooks: %w", err)
	}
	return nil
}

// slots bound the attempts in flight per endpoint in this process.
type slots struct {
	mu  sync.Mutex
	max int
	n   map[int64]chan struct{}
}

// take waits up to wait for one of the endpoint's slots.
func (s *slots) take(ctx context.Context, endpoint int64, wait time.Duration) (release func(), ok bool) {
	s.mu.Lock()
	c, found := s.n[endpoint]
	if !found {
		c = make(chan struct{}, s.max)
		s.n[endpoint] = c
	}
	s.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case c <- struct{}{}:
		return func() { <-c }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}
