package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// fanOut turns a committed transaction's events into deliveries, one per
// endpoint subscribed to each event's type, each with its job, and
// completes its own job in the same transaction. Run again (its process
// killed, the sweep's replacement and River's rescue of the original), it
// makes no delivery twice.
func (s *Service) fanOut(ctx context.Context, job *river.Job[fanOutArgs]) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("fan out the events of transaction %s: %w", job.Args.Tx, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, insertDeliveries+`
		WHERE e.tx = $1::xid8 AND w.disabled_at IS NULL
		ORDER BY e.id, w.id
		ON CONFLICT (endpoint_id, event_id) WHERE NOT replay DO NOTHING
		RETURNING endpoint_id, entity`, job.Args.Tx)
	if err != nil {
		return fmt.Errorf("fan out the events of transaction %s: %w", job.Args.Tx, err)
	}
	jobs, err := deliveryJobs(rows)
	if err != nil {
		return fmt.Errorf("fan out the events of transaction %s: %w", job.Args.Tx, err)
	}
	if len(jobs) > 0 {
		if _, err := s.work.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("enqueue the deliveries of transaction %s: %w", job.Args.Tx, err)
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("fan out the events of transaction %s: %w", job.Args.Tx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("fan out the events of transaction %s: %w", job.Args.Tx, err)
	}
	return nil
}

// insertDeliveries makes deliveries of events e to endpoints w, each with
// the body the receiver gets: the event's type, when it happened (UTC,
// RFC 3339) and its data, which holds the entity's non-sensitive fields
// only (internal/write). Its caller adds which events and endpoints.
const insertDeliveries = `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, entity, body)
	SELECT w.id, e.id, e.type, e.entity_type || ':' || e.entity_id,
		jsonb_build_object('type', e.type,
			'timestamp', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
			'data', e.data)::text
	FROM events e JOIN webhook_endpoints w ON e.type = ANY (w.event_types) OR '*' = ANY (w.event_types)`

// deliveryJobs reads (endpoint, entity) rows into one job each.
func deliveryJobs(rows pgx.Rows) ([]river.InsertManyParams, error) {
	var jobs []river.InsertManyParams
	for rows.Next() {
		var a deliveryArgs
		if err := rows.Scan(&a.Endpoint, &a.Entity); err != nil {
			rows.Close()
			return nil, err
		}
		jobs = append(jobs, river.InsertManyParams{Args: a})
	}
	return jobs, rows.Err()
}

// delivery is a pending delivery as an attempt needs it.
type delivery struct {
	id, event int64
	body      string
	attempts  int
	next      *time.Time
	created   time.Time
}

// deliverNext attempts the oldest pending delivery of entity to endpoint,
// holding the pair's lock until the attempt is recorded.
func (s *Service) deliverNext(ctx context.Context, endpoint int64, entity string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("deliver to endpoint %d: %w", endpoint, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// One at a time per (endpoint, entity), across every process: the
	// second waits here, then finds the next delivery.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('webhook ' || $1::bigint || ' ' || $2::text, 0))`,
		endpoint, entity); err != nil {
		return fmt.Errorf("deliver to endpoint %d: lock %s: %w", endpoint, entity, err)
	}
	var url string
	var paused, disabled bool
	var failingSince *time.Time
	// FOR KEY SHARE: deleting the endpoint (which locks it, then its
	// deliveries) waits for the attempt in flight to be recorded. Without
	// it the delete could lock the endpoint while this transaction holds
	// the delivery's row and then waits for the endpoint's, a deadlock
	// one side of which fails. Attempts to other entities of the endpoint
	// share the lock and go on in parallel.
	err = tx.QueryRow(ctx, `SELECT url, paused, disabled_at IS NOT NULL, failing_since FROM webhook_endpoints WHERE id = $1
		FOR KEY SHARE`, endpoint).Scan(&url, &paused, &disabled, &failingSince)
	if errors.Is(err, pgx.ErrNoRows) || paused || disabled {
		// Deleted (its deliveries with it), or waiting for an admin:
		// resuming enqueues its pending deliveries again.
		return nil
	}
	if err != nil {
		return fmt.Errorf("deliver to endpoint %d: %w", endpoint, err)
	}
	d, err := s.oldestPending(ctx, tx, endpoint, entity)
	if err != nil || d == nil {
		return err
	}
	if wait := time.Until(deref(d.next)); wait > 0 {
		// The entity's oldest delivery waits for its retry; the later
		// ones wait behind it.
		return river.JobSnooze(wait)
	}
	var secrets []string
	rows, err := tx.Query(ctx, `SELECT secret FROM webhook_secrets
		WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > now()) ORDER BY id DESC`, endpoint)
	if err == nil {
		secrets, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return fmt.Errorf("deliver to endpoint %d: read its secrets: %w", endpoint, err)
	}
	res := s.send(ctx, url, *d, secrets)
	o := s.judge(res, *d, failingSince)
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, response, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5)`, d.id, res.statusOrNil(), res.latency.Milliseconds(), res.response(), o.next); err != nil {
		return fmt.Errorf("deliver to endpoint %d: record the attempt: %w", endpoint, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $2, next_attempt_at = $3,
		delivered_at = CASE WHEN $2 = 'delivered' THEN now() END WHERE id = $1`, d.id, o.status, o.next); err != nil {
		return fmt.Errorf("deliver to endpoint %d: record the attempt: %w", endpoint, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET
		failing_since = CASE WHEN $2 THEN NULL ELSE coalesce(failing_since, now()) END,
		disabled_at = CASE WHEN $3 <> '' THEN now() ELSE disabled_at END,
		disabled_reason = CASE WHEN $3 <> '' THEN $3 ELSE disabled_reason END
		WHERE id = $1`, endpoint, o.status == "delivered", o.disable); err != nil {
		return fmt.Errorf("deliver to endpoint %d: record the attempt: %w", endpoint, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("deliver to endpoint %d: record the attempt: %w", endpoint, err)
	}
	if o.disable != "" {
		s.cfg.Log.Warn("webhooks: endpoint disabled", "endpoint", endpoint, "reason", o.disable)
	}
	if o.next != nil {
		return river.JobSnooze(max(time.Until(*o.next), 0))
	}
	return nil
}

// oldestPending is the entity's oldest pending delivery to the endpoint,
// nil when there is none; errFanOutPending while an earlier event of the
// entity is not fanned out (fan-outs run in parallel, and one may have
// been killed): it would arrive after this one. A fan-out running for
// longer than the job timeout is taken for dead, yet it still holds the
// entity back until the sweep has enqueued its replacement: between the
// two, a later event was delivered first (seen once in CI as "seq 7
// arrived after 8" in TestDeliver_KilledMidDeliveryThenRestartedLosesNothing).
func (s *Service) oldestPending(ctx context.Context, tx pgx.Tx, endpoint int64, entity string) (*delivery, error) {
	typ, id, _ := strings.Cut(entity, ":")
	var prev int64
	for {
		var d delivery
		err := tx.QueryRow(ctx, `SELECT id, event_id, body, attempts, next_attempt_at, created_at FROM webhook_deliveries
			WHERE endpoint_id = $1 AND entity = $2 AND status = 'pending' ORDER BY event_id, id LIMIT 1`,
			endpoint, entity).Scan(&d.id, &d.event, &d.body, &d.attempts, &d.next, &d.created)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("deliver to endpoint %d: %w", endpoint, err)
		}
		if d.id == prev {
			// Nothing earlier was fanned out since the check below.
			return &d, nil
		}
		var earlier bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job j JOIN events ev ON ev.tx = (j.args->>'tx')::xid8
			WHERE j.kind = $1 AND (j.state IN ('available', 'scheduled', 'retryable', 'pending')
					OR j.state = 'running' AND (j.attempted_at > now() - make_interval(secs => $2::float8)
						-- taken for dead, but not yet replaced by the sweep
						OR NOT EXISTS (SELECT 1 FROM river_job o WHERE o.kind = j.kind AND o.args = j.args AND o.id <> j.id)))
				AND ev.entity_type = $3 AND ev.entity_id = $4 AND ev.id < $5)`,
			fanOutKind, s.cfg.jobTimeout().Seconds(), typ, id, d.event).Scan(&earlier); err != nil {
			return nil, fmt.Errorf("deliver to endpoint %d: %w", endpoint, err)
		}
		if earlier {
			return nil, errFanOutPending
		}
		// A fan-out that completed between the two statements made an
		// earlier delivery: read again.
		prev = d.id
	}
}

// errFanOutPending is an attempt put off until an earlier event of its
// entity is fanned out.
var errFanOutPending = errors.New("an earlier event of the entity is not fanned out yet")

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// result is what one attempt met.
type result struct {
	status     int // 0: no answer
	body       string
	err        error
	latency    time.Duration
	retryAfter time.Duration
}

// responseLimit is how much of an answer is kept with its attempt.
const responseLimit = 1024

func (r result) statusOrNil() *int {
	if r.status == 0 {
		return nil
	}
	return &r.status
}

func (r result) response() string {
	if r.err != nil {
		return truncate(r.err.Error())
	}
	return r.body
}

func truncate(s string) string {
	if len(s) > responseLimit {
		return s[:responseLimit]
	}
	return s
}

// send makes one attempt: the delivery's body, signed with each secret.
func (s *Service) send(ctx context.Context, url string, d delivery, secrets []string) result {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	h, err := headers(strconv.FormatInt(d.event, 10), start, []byte(d.body), secrets)
	if err != nil {
		return result{err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(d.body))
	if err != nil {
		return result{err: err}
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bizgraph-webhooks")
	resp, err := s.client.Do(req)
	if err != nil {
		return result{err: err, latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, responseLimit))
	// The rest is read (up to a bound) so the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return result{status: resp.StatusCode, body: string(b), latency: time.Since(start),
		retryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// outcome is what an attempt leads to.
type outcome struct {
	status  string     // the delivery's: pending, delivered, failed
	next    *time.Time // the next attempt, when there is one
	disable string     // why the endpoint is disabled now; "" when not
}

// judge decides what follows an attempt: delivered on 2xx; the endpoint
// disabled on 410 Gone (the receiver says it is gone for good) or when it
// has failed for RetryPeriod; otherwise a retry after the backoff, or
// after Retry-After when that is longer, unless the delivery has been
// retried for RetryPeriod already.
func (s *Service) judge(r result, d delivery, failingSince *time.Time) outcome {
	now := time.Now()
	switch {
	case r.status >= 200 && r.status < 300:
		return outcome{status: "delivered"}
	case r.status == http.StatusGone:
		return outcome{status: "pending", disable: "the receiver answered 410 Gone"}
	}
	if failingSince != nil && now.Sub(*failingSince) >= s.cfg.RetryPeriod {
		return outcome{status: "pending", disable: fmt.Sprintf("failing since %s; last attempt: %s",
			failingSince.UTC().Format(time.RFC3339), describe(r))}
	}
	if now.Sub(d.created) >= s.cfg.RetryPeriod {
		return outcome{status: "failed"}
	}
	wait := max(s.backoff(d.attempts+1), min(r.retryAfter, s.cfg.RetryMax))
	next := now.Add(wait)
	return outcome{status: "pending", next: &next}
}

func describe(r result) string {
	if r.err != nil {
		return truncate(r.err.Error())
	}
	return "status " + strconv.Itoa(r.status)
}

// backoff is the delay after the attempt-th failed attempt: RetryBase,
// four times longer each time, up to RetryMax, with ±20% jitter so that
// deliveries failing together do not retry together.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 4
	}
	d = min(d, s.cfg.RetryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sweepEvery enqueues, now and every SweepInterval, a job for pending
// deliveries that have none alive.
func (s *Service) sweepEvery(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		if err := s.sweep(ctx, 0, s.cfg.SweepInterval); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("webhooks: sweep failed; trying again later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep enqueues, for each (endpoint, entity) with deliveries due for
// longer than grace (of endpoint; 0: every endpoint that is neither paused
// nor disabled), as many jobs as it has deliveries beyond its live jobs. A
// job is alive while it waits or runs; running for longer than River's job
// timeout, its process is taken for dead (killed mid-attempt). A spare job
// costs one look; a missing one would leave a delivery behind.
func (s *Service) sweep(ctx context.Context, endpoint int64, grace time.Duration) error {
	stale := s.cfg.jobTimeout()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("sweep deliveries: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if endpoint == 0 {
		// Fan-outs whose process died mid-run: a replacement now rather
		// than River's rescue much later (the original, rescued, finds
		// its deliveries made).
		rows, err := tx.Query(ctx, `SELECT DISTINCT j.args->>'tx' FROM river_job j WHERE j.kind = $1 AND j.state = 'running'
			AND j.attempted_at <= now() - make_interval(secs => $2::float8)
			AND NOT EXISTS (SELECT 1 FROM river_job o WHERE o.kind = $1 AND o.args = j.args AND o.id <> j.id
				AND o.state IN ('available', 'scheduled', 'retryable', 'pending', 'running'))`, fanOutKind, stale.Seconds())
		if err != nil {
			return fmt.Errorf("sweep fan-outs: %w", err)
		}
		txs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("sweep fan-outs: %w", err)
		}
		for _, t := range txs {
			if _, err := s.work.InsertTx(ctx, tx, fanOutArgs{Tx: t}, nil); err != nil {
				return fmt.Errorf("sweep fan-outs: %w", err)
			}
		}
	}
	rows, err := tx.Query(ctx, missingJobs, endpoint, grace.Seconds(), stale.Seconds(), deliveryKind)
	if err != nil {
		return fmt.Errorf("sweep deliveries: %w", err)
	}
	jobs, err := deliveryJobs(rows)
	if err != nil {
		return fmt.Errorf("sweep deliveries: %w", err)
	}
	if len(jobs) > 0 {
		if _, err := s.work.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("sweep deliveries: %w", err)
		}
		s.cfg.Log.Info("webhooks: enqueued deliveries left without a job", "jobs", len(jobs))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("sweep deliveries: %w", err)
	}
	return nil
}

// missingJobs lists (endpoint, entity) once per job its due deliveries
// lack: $1 the endpoint (0: all), $2 the grace in seconds, $3 how long a
// job may run before it is taken for dead, $4 the delivery jobs' kind.
const missingJobs = `WITH due AS (
		SELECT d.endpoint_id, d.entity, count(*) AS pending
		FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
		WHERE d.status = 'pending' AND NOT w.paused AND w.disabled_at IS NULL
			AND ($1::bigint = 0 OR d.endpoint_id = $1::bigint)
			AND coalesce(d.next_attempt_at, d.created_at) <= now() - make_interval(secs => $2::float8)
		GROUP BY 1, 2)
	SELECT due.endpoint_id AS endpoint, due.entity FROM due,
		LATERAL generate_series(1, due.pending - (SELECT count(*) FROM river_job j
			WHERE j.kind = $4::text AND j.args @> jsonb_build_object('endpoint', due.endpoint_id, 'entity', due.entity)
				AND (j.state IN ('available', 'scheduled', 'retryable', 'pending')
					OR j.state = 'running' AND j.attempted_at > now() - make_interval(secs => $3::float8))))`
