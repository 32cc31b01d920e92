// Package audit records every read of a sensitive field (who, with which
// roles, when, in which operation, which employee, which field) in the
// audit_events table. Requests only hand events to a buffered channel; one
// background writer stores them in batches with COPY, on a connection of
// its own, so the audit adds no statement and no round trip to a request.
// Close stores everything recorded before it returns: call it once the
// HTTP server has drained its requests.
package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Event is one read of a sensitive field.
type Event struct {
	At      time.Time
	Subject string
	Roles   []string
	// Operation is the operation's name as the client gave it (its
	// operationName, or the name in its document): a claim, never checked.
	Operation string
	RequestID string
	// RequestIDClaimed: RequestID is the client's X-Request-Id, not an id
	// the server chose; a reader must not take it as the server's word.
	RequestIDClaimed bool
	// Use is how the value was used: "read" (the default: a field of one
	// record was answered), "compare" (a filter or an ordering by the
	// column, which reveals it across rows without answering it).
	Use string
	// Field is Type.field, e.g. Employee.salary, for a read; table.column,
	// e.g. employees.salary, for a compare.
	Field string
	// EmployeeID is the employee the value concerns; 0 for none.
	EmployeeID int64
	// RecordID is the key of the row the field belongs to.
	RecordID int64
}

// Buffer is how many Records wait for the writer before a request has to
// wait for it: about 40 pages of 100 employees with all their sensitive
// fields. The audit never drops an event; under a sustained flood it slows
// the readers of sensitive data instead.
const Buffer = 16384

// batchMax bounds one COPY, but for the events of one RecordFor, which
// are stored together however many.
const batchMax = 4096

// Log is the audit log's writer.
type Log struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu     sync.RWMutex // Record holds it shared; Close exclusively, to close ch
	closed bool
	// ch carries the events of one Record or RecordFor together, so the
	// writer stores them in one COPY.
	ch   chan []Event
	done chan struct{}
}

// Open starts the writer over the database at url.
func Open(ctx context.Context, url string, log *slog.Logger) (*Log, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("audit: parse database url: %w", err)
	}
	cfg.MaxConns = 2
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "bizgraph-audit"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit: connect: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	l := &Log{pool: pool, log: log, ch: make(chan []Event, Buffer), done: make(chan struct{})}
	go l.write()
	return l, nil
}

// Record hands e to the writer. It waits only when the buffer is full.
// In a context that captures (Capture), e is kept there instead, to be
// recorded once for each reader of the resolution that made it.
func (l *Log) Record(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	if c, ok := ctx.Value(captureKey{}).(*Captured); ok {
		c.add(l, e)
		return
	}
	l.send([]Event{e})
}

func (l *Log) send(events []Event) {
	if len(events) == 0 {
		return
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		// Only a request still running after shutdown gets here.
		for _, e := range events {
			l.log.Error("audit: event recorded after Close, not stored", "field", e.Field, "subject", e.Subject,
				"employee_id", e.EmployeeID, "record_id", e.RecordID)
		}
		return
	}
	l.ch <- events
}

// Close stores every event recorded so far and stops the writer; it waits
// for that at most until ctx ends.
func (l *Log) Close(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.ch)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		l.pool.Close()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: %d batches of events not yet stored at shutdown: %w", len(l.ch), ctx.Err())
	}
}

// write stores events in batches: whatever has queued up while the
// previous batch was written, so batches grow with the load.
func (l *Log) write() {
	defer close(l.done)
	batch := make([]Event, 0, batchMax)
	for events := range l.ch {
		batch = append(batch[:0], events...)
	more:
		for len(batch) < batchMax {
			select {
			case events, ok := <-l.ch:
				if !ok {
					break more
				}
				batch = append(batch, events...)
			default:
				break more
			}
		}
		l.store(batch)
	}
}

// store writes one batch, retrying a failing database for a while; events
// it cannot store go to the server log, the last place they can be kept.
func (l *Log) store(batch []Event) {
	var err error
	for attempt, wait := 0, 100*time.Millisecond; attempt < 6; attempt, wait = attempt+1, wait*2 {
		if attempt > 0 {
			time.Sleep(wait)
		}
		if err = l.copy(batch); err == nil {
			return
		}
		l.log.Warn("audit: store events, retrying", "events", len(batch), "err", err)
	}
	for _, e := range batch {
		l.log.Error("audit: event not stored", "err", err, "at", e.At, "subject", e.Subject,
			"roles", strings.Join(e.Roles, " "), "operation", e.Operation, "request_id", e.RequestID, "request_id_claimed", e.RequestIDClaimed,
			"use", use(e.Use), "field", e.Field, "employee_id", e.EmployeeID, "record_id", e.RecordID)
	}
}

var columns = []string{"occurred_at", "subject", "roles", "operation", "request_id", "field", "employee_id", "record_id", "use", "request_id_claimed", "operation_claimed"}

func (l *Log) copy(batch []Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := l.pool.CopyFrom(ctx, pgx.Identifier{"audit_events"}, columns,
		pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			e := &batch[i]
			return []any{e.At, e.Subject, strings.Join(e.Roles, " "), nullable(e.Operation), nullable(e.RequestID),
				e.Field, nullableID(e.EmployeeID), e.RecordID, use(e.Use),
				e.RequestIDClaimed, e.Operation != ""}, nil
		}))
	if err == nil && int(n) != len(batch) {
		err = errors.New("COPY stored fewer rows than sent")
	}
	return err
}

// use is the stored use of e: "read" unless told otherwise.
func use(u string) string {
	if u == "" {
		return "read"
	}
	return u
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullableID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
