package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The admin's side: endpoints created, rotated, paused, resumed, deleted;
// events redelivered or replayed; endpoints and deliveries listed. Each
// runs under ctx's transaction when there is one (a mutation's), so what
// it enqueues commits with it.

// Endpoint is a receiver of events.
type Endpoint struct {
	ID             int64
	URL            string
	Description    string
	EventTypes     []string `gorm:"serializer:json"`
	Paused         bool
	DisabledAt     *time.Time
	DisabledReason *string
	FailingSince   *time.Time
	CreatedAt      time.Time
}

// Delivery is one event for one endpoint, with its attempts.
type Delivery struct {
	ID            int64
	EndpointID    int64
	EventID       int64
	EventType     string
	Entity        string
	Status        string
	Attempts      int
	NextAttemptAt *time.Time
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	Tries         []*Attempt `gorm:"-"`
}

// Attempt is one request to the receiver and what came of it.
type Attempt struct {
	ID            int64
	DeliveryID    int64
	At            time.Time
	StatusCode    *int
	LatencyMs     int
	Response      string
	NextAttemptAt *time.Time
}

// EndpointInput is what createWebhookEndpoint is given.
type EndpointInput struct {
	URL         string
	EventTypes  []string
	Description string
}

const endpointColumns = `id, url, description, to_jsonb(event_types) AS event_types, paused, disabled_at, disabled_reason, failing_since, created_at`

// allow refuses whoever the rules do not let manage webhooks.
func (s *Service) allow(ctx context.Context, action policy.Action, table string) error {
	id := auth.From(ctx)
	if id == nil || len(id.Roles) == 0 {
		return apperr.New(apperr.Unauthenticated, "webhooks need a credential")
	}
	err := s.rules.Check(id, action, table, &policy.Facts{})
	var refused *policy.Refused
	if errors.As(err, &refused) {
		return &apperr.Error{Code: apperr.Forbidden, Message: refused.Error()}
	}
	if err != nil {
		return fmt.Errorf("decide %s of %s: %w", action, table, err)
	}
	return nil
}

// CreateEndpoint registers a receiver and returns it with its secret,
// which is shown this once.
func (s *Service) CreateEndpoint(ctx context.Context, in EndpointInput) (*SecretPayload, error) {
	if err := s.allow(ctx, policy.Create, "webhook_endpoints"); err != nil {
		return nil, err
	}
	if err := checkTypes(in.EventTypes); err != nil {
		return nil, err
	}
	if err := checkURL(ctx, in.URL, s.cfg.AllowPrivateNetworks); err != nil {
		return nil, apperr.Invalid("input.url", "%s", err)
	}
	secret := newSecret()
	var ep Endpoint
	err := s.db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		err := tx.WithContext(ctx).Raw(`INSERT INTO webhook_endpoints (url, description, event_types)
			VALUES (?, ?, ?) RETURNING `+endpointColumns, in.URL, in.Description, pgArray(in.EventTypes)).Scan(&ep).Error
		if err != nil {
			return err
		}
		return tx.WithContext(ctx).Exec(`INSERT INTO webhook_secrets (endpoint_id, secret) VALUES (?, ?)`, ep.ID, secret).Error
	})
	if err != nil {
		return nil, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return &SecretPayload{Endpoint: &ep, Secret: secret}, nil
}

// checkTypes accepts DOMAIN.md's event types and "*".
func checkTypes(types []string) *apperr.Error {
	if len(types) == 0 {
		return apperr.Invalid("input.eventTypes", "name at least one event type, or \"*\" for all")
	}
	for _, t := range types {
		if t != "*" && !slices.Contains(events.Types, t) {
			return apperr.Invalid("input.eventTypes", "%q is not an event type; they are %s, or \"*\" for all", t, strings.Join(events.Types, ", "))
		}
	}
	return nil
}

// pgArray is a text[] literal of ss.
func pgArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return "{" + strings.Join(q, ",") + "}"
}

// RotateSecret gives the endpoint a new secret, returned this once; the
// previous ones keep signing for SecretOverlap, so the receiver can switch
// without missing a message.
func (s *Service) RotateSecret(ctx context.Context, endpoint int64) (*SecretPayload, error) {
	if err := s.allow(ctx, policy.Update, "webhook_endpoints"); err != nil {
		return nil, err
	}
	secret := newSecret()
	var ep *Endpoint
	err := s.db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		var err error
		if ep, err = s.endpoint(ctx, tx, endpoint, true); err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE webhook_secrets SET expires_at = now() + make_interval(secs => ?)
			WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => ?))`,
			s.cfg.SecretOverlap.Seconds(), endpoint, s.cfg.SecretOverlap.Seconds()).Error; err != nil {
			return err
		}
		return tx.WithContext(ctx).Exec(`INSERT INTO webhook_secrets (endpoint_id, secret) VALUES (?, ?)`, endpoint, secret).Error
	})
	if err != nil {
		return nil, fmt.Errorf("rotate the secret of webhook endpoint %d: %w", endpoint, err)
	}
	return &SecretPayload{Endpoint: ep, Secret: secret}, nil
}

// endpoint reads one endpoint, locked for update when forUpdate;
// NOT_FOUND when there is none.
func (s *Service) endpoint(ctx context.Context, tx *database.DB, id int64, forUpdate bool) (*Endpoint, error) {
	q := `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id = ?`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	var eps []*Endpoint
	if err := tx.WithContext(ctx).Raw(q, id).Scan(&eps).Error; err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, apperr.New(apperr.NotFound, "no webhook endpoint %d", id)
	}
	return eps[0], nil
}

// Pause stops deliveries to the endpoint; events keep being recorded for
// it and are delivered once it is resumed.
func (s *Service) Pause(ctx context.Context, endpoint int64) (*Endpoint, error) {
	return s.setState(ctx, endpoint, `UPDATE webhook_endpoints SET paused = true WHERE id = ?`)
}

// Resume delivers again to a paused or disabled endpoint: what is pending
// for it is enqueued, oldest first per entity.
func (s *Service) Resume(ctx context.Context, endpoint int64) (*Endpoint, error) {
	return s.setState(ctx, endpoint, `UPDATE webhook_endpoints
		SET paused = false, disabled_at = NULL, disabled_reason = NULL, failing_since = NULL WHERE id = ?`)
}

func (s *Service) setState(ctx context.Context, endpoint int64, update string) (*Endpoint, error) {
	if err := s.allow(ctx, policy.Update, "webhook_endpoints"); err != nil {
		return nil, err
	}
	var ep *Endpoint
	err := s.db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		if _, err := s.endpoint(ctx, tx, endpoint, true); err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(update, endpoint).Error; err != nil {
			return err
		}
		if err := s.enqueuePending(ctx, tx, endpoint); err != nil {
			return err
		}
		var err error
		ep, err = s.endpoint(ctx, tx, endpoint, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("change webhook endpoint %d: %w", endpoint, err)
	}
	return ep, nil
}

// enqueuePending gives the endpoint's pending deliveries the jobs they
// lack (none while it is paused or disabled), in ctx's transaction.
func (s *Service) enqueuePending(ctx context.Context, tx *database.DB, endpoint int64) error {
	sqlTx, ok := database.SQLTx(ctx)
	if !ok {
		return errors.New("enqueue pending deliveries: not in a transaction")
	}
	rows, err := sqlTx.QueryContext(ctx, missingJobs, endpoint, 0, s.cfg.jobTimeout().Seconds(), deliveryKind)
	if err != nil {
		return fmt.Errorf("enqueue pending deliveries: %w", err)
	}
	defer rows.Close()
	var args []deliveryArgs
	for rows.Next() {
		var a deliveryArgs
		if err := rows.Scan(&a.Endpoint, &a.Entity); err != nil {
			return fmt.Errorf("enqueue pending deliveries: %w", err)
		}
		args = append(args, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("enqueue pending deliveries: %w", err)
	}
	return s.enqueue(ctx, args)
}

// enqueue inserts a delivery job per args in ctx's transaction.
func (s *Service) enqueue(ctx context.Context, args []deliveryArgs) error {
	if len(args) == 0 {
		return nil
	}
	sqlTx, ok := database.SQLTx(ctx)
	if !ok {
		return errors.New("enqueue deliveries: not in a transaction")
	}
	jobs := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		jobs[i] = river.InsertManyParams{Args: a}
	}
	if _, err := s.insert.InsertManyTx(ctx, sqlTx, jobs); err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	return nil
}

// Delete removes the endpoint, its secrets and its deliveries; nothing
// more is sent to it. It answers the endpoint's id.
func (s *Service) Delete(ctx context.Context, endpoint int64) (string, error) {
	if err := s.allow(ctx, policy.Delete, "webhook_endpoints"); err != nil {
		return "", err
	}
	res := s.db.WithContext(ctx).Exec(`DELETE FROM webhook_endpoints WHERE id = ?`, endpoint)
	if res.Error != nil {
		return "", fmt.Errorf("delete webhook endpoint %d: %w", endpoint, res.Error)
	}
	if res.RowsAffected == 0 {
		return "", apperr.New(apperr.NotFound, "no webhook endpoint %d", endpoint)
	}
	return store.GlobalID(EndpointType, endpoint), nil
}

// Redeliver sends one event to the endpoint again (whether or not it was
// subscribed to its type), after the entity's pending deliveries; the
// receiver sees the same webhook-id.
func (s *Service) Redeliver(ctx context.Context, endpoint, event int64) (*Delivery, error) {
	ds, err := s.resend(ctx, endpoint, `e.id = ?`, event)
	if err != nil {
		return nil, fmt.Errorf("redeliver event %d to webhook endpoint %d: %w", event, endpoint, err)
	}
	if len(ds) == 0 {
		return nil, apperr.New(apperr.NotFound, "no event %d (events are kept for EVENTS_RETENTION)", event)
	}
	return ds[0], nil
}

// Replay sends the endpoint again every event of its types since a time,
// in order; it returns how many.
func (s *Service) Replay(ctx context.Context, endpoint int64, since time.Time) (*ReplayPayload, error) {
	ds, err := s.resend(ctx, endpoint, `e.occurred_at >= ? AND (e.type = ANY (w.event_types) OR '*' = ANY (w.event_types))`, since)
	if err != nil {
		return nil, fmt.Errorf("replay events since %s to webhook endpoint %d: %w", since.Format(time.RFC3339), endpoint, err)
	}
	return &ReplayPayload{Deliveries: len(ds)}, nil
}

// maxReplay bounds the deliveries one replay makes: more is a backfill,
// better done by reading the API.
const maxReplay = 100_000

func (s *Service) resend(ctx context.Context, endpoint int64, which string, arg any) ([]*Delivery, error) {
	if err := s.allow(ctx, policy.Create, "webhook_deliveries"); err != nil {
		return nil, err
	}
	var out []*Delivery
	err := s.db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		if _, err := s.endpoint(ctx, tx, endpoint, false); err != nil {
			return err
		}
		var n int64
		if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM events e, webhook_endpoints w WHERE w.id = ? AND `+which,
			endpoint, arg).Scan(&n).Error; err != nil {
			return err
		}
		if n > maxReplay {
			return apperr.Invalid("since", "%d events would be sent again, more than %d; choose a later time", n, maxReplay)
		}
		// The events' own join with endpoints, narrowed to this one.
		q := strings.Replace(insertDeliveries, "FROM events e JOIN webhook_endpoints w ON e.type = ANY (w.event_types) OR '*' = ANY (w.event_types)",
			"FROM events e, webhook_endpoints w", 1)
		q = strings.Replace(q, "entity, body)", "entity, body, replay)", 1)
		q = strings.Replace(q, "'data', e.data)::text", "'data', e.data)::text, true", 1)
		if err := tx.WithContext(ctx).Raw(q+` WHERE w.id = ? AND `+which+` ORDER BY e.id RETURNING id, endpoint_id, event_id,
			event_type, entity, status, attempts, next_attempt_at, created_at, delivered_at`, endpoint, arg).Scan(&out).Error; err != nil {
			return err
		}
		args := make([]deliveryArgs, len(out))
		for i, d := range out {
			args[i] = deliveryArgs{Endpoint: d.EndpointID, Entity: d.Entity}
		}
		return s.enqueue(ctx, args)
	})
	return out, err
}

// Endpoints lists every endpoint, newest first.
func (s *Service) Endpoints(ctx context.Context) ([]*Endpoint, error) {
	if err := s.allow(ctx, policy.Read, "webhook_endpoints"); err != nil {
		return nil, err
	}
	var eps []*Endpoint
	if err := s.db.WithContext(ctx).Raw(`SELECT ` + endpointColumns + ` FROM webhook_endpoints ORDER BY id DESC`).
		Scan(&eps).Error; err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return eps, nil
}

// Deliveries lists an endpoint's last deliveries (up to first, 1 to 100,
// newest first; of one status when status is not nil), each with its
// attempts: two statements.
func (s *Service) Deliveries(ctx context.Context, endpoint int64, state *string, first int) ([]*Delivery, error) {
	if err := s.allow(ctx, policy.Read, "webhook_deliveries"); err != nil {
		return nil, err
	}
	if first < 1 || first > 100 {
		return nil, apperr.Invalid("first", "must be 1 to 100, got %d", first)
	}
	status := ""
	if state != nil {
		status = strings.ToLower(*state)
	}
	var ds []*Delivery
	err := s.db.WithContext(ctx).Raw(`SELECT id, endpoint_id, event_id, event_type, entity, status, attempts,
		next_attempt_at, created_at, delivered_at FROM webhook_deliveries
		WHERE endpoint_id = ? AND (? = '' OR status = ?) ORDER BY id DESC LIMIT ?`, endpoint, status, status, first).
		Scan(&ds).Error
	if err != nil || len(ds) == 0 {
		return ds, wrap(err, "list the deliveries of webhook endpoint %d", endpoint)
	}
	ids := make([]int64, len(ds))
	byID := make(map[int64]*Delivery, len(ds))
	for i, d := range ds {
		ids[i], byID[d.ID] = d.ID, d
	}
	var as []*Attempt
	if err := s.db.WithContext(ctx).Raw(`SELECT id, delivery_id, at, status_code, latency_ms, response, next_attempt_at
		FROM webhook_attempts WHERE delivery_id = ANY (?) ORDER BY id`, pgInts(ids)).Scan(&as).Error; err != nil {
		return nil, wrap(err, "list the deliveries of webhook endpoint %d", endpoint)
	}
	for _, a := range as {
		byID[a.DeliveryID].Tries = append(byID[a.DeliveryID].Tries, a)
	}
	return ds, nil
}

func pgInts(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "{" + strings.Join(s, ",") + "}"
}

func wrap(err error, format string, args ...any) error {
	if err == nil || errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
