// Package mutation runs each mutation operation as one transaction, and
// replays the answer of one retried with the same Idempotency-Key.
//
// gqlgen executes a mutation's root fields one after another; Transactions
// wraps their execution, the reading back of their payloads included, in
// one database transaction bound to the context (internal/database), so
// every write and read of the operation joins it. An operation whose root
// field failed rolls back as a whole, and its answer has no data: the
// root fields of one operation commit together or not at all.
//
// Idempotency keys follow the IETF draft "The Idempotency-Key HTTP Header
// Field": a request with a key the same caller used before for the same
// request gets the first answer again, byte for byte, and writes nothing;
// the same key for another request is IDEMPOTENCY_KEY_REUSED; a second
// request while the first still runs is IDEMPOTENCY_KEY_IN_USE. The key
// is claimed with a transaction-scoped advisory lock and its answer is
// stored in the operation's transaction, so the key and the write commit
// together, on whichever replica the retry reaches.
package mutation

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
)

// DefaultKeyTTL is how long an idempotency key's answer is kept.
const DefaultKeyTTL = 24 * time.Hour

// Transactions is the executor extension (use it after the admission
// gate, so a transaction is held only while the operation executes).
type Transactions struct {
	db     *database.DB
	keyTTL time.Duration
}

var (
	_ graphql.HandlerExtension    = (*Transactions)(nil)
	_ graphql.ResponseInterceptor = (*Transactions)(nil)
)

// New returns the extension over db; keys are kept for keyTTL (zero:
// DefaultKeyTTL).
func New(db *database.DB, keyTTL time.Duration) *Transactions {
	if keyTTL <= 0 {
		keyTTL = DefaultKeyTTL
	}
	return &Transactions{db: db, keyTTL: keyTTL}
}

func (*Transactions) ExtensionName() string                   { return "MutationTransactions" }
func (*Transactions) Validate(graphql.ExecutableSchema) error { return nil }

type keyCtx struct{}

// WithIdempotencyKey carries the request's Idempotency-Key to the
// operation (the HTTP transport reads the header).
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// ValidKey reports whether key is a key this server keeps: 1 to 255
// visible ASCII characters.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// errRolledBack rolls back an operation whose answer tells of a failed
// root field; the answer goes out as it is.
var errRolledBack = errors.New("a root field failed")

// InterceptResponse runs a mutation in a transaction.
func (t *Transactions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx) // an error answered before any operation
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	key, _ := ctx.Value(keyCtx{}).(string)
	var resp *graphql.Response
	// One attempt: the operation's resolvers run once, and the executor
	// cannot run them again.
	err := t.db.Transact(ctx, database.TxOptions{Attempts: 1}, func(ctx context.Context, tx *database.DB) error {
		var hash []byte
		if key != "" {
			hash = requestHash(oc)
			replay, err := t.claim(ctx, tx, subject(ctx), key, hash)
			if err != nil || replay != nil {
				resp = replay
				return err
			}
		}
		resp = next(ctx)
		if resp == nil {
			return nil
		}
		if failed(resp) {
			// Nothing of the operation lasts, so its answer has no data,
			// as one refused before it executed; the transports answer
			// with the status of its first error's code.
			resp.Data = nil
			return errRolledBack
		}
		if key != "" {
			return t.remember(ctx, tx, subject(ctx), key, hash, resp)
		}
		return nil
	})
	switch {
	case err == nil || errors.Is(err, errRolledBack):
		return resp
	default:
		graphql.AddError(ctx, err)
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
}

// failed reports whether a root field (or the operation) failed: an error
// at a root field's path or above, or a root field that answered null (a
// payload is null only when its write failed: its arguments were refused,
// or its answer could not be read). Other errors are of the payload's
// reading (a field the caller may not read), not of the write.
func failed(resp *graphql.Response) bool {
	for _, e := range resp.Errors {
		if len(e.Path) <= 1 {
			return true
		}
	}
	if len(resp.Errors) == 0 {
		return false
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal(resp.Data, &root); err != nil {
		return true
	}
	for _, v := range root {
		if string(v) == "null" {
			return true
		}
	}
	return false
}

func subject(ctx context.Context) string {
	if id := auth.From(ctx); id != nil {
		return id.Subject
	}
	return ""
}

// requestHash identifies the request a key was used for: its document,
// operation name and variables.
func requestHash(oc *graphql.OperationContext) []byte {
	h := sha256.New()
	vars, _ := json.Marshal(oc.Variables) // map keys sorted: the same variables, the same bytes
	fmt.Fprintf(h, "%d:%s%d:%s", len(oc.RawQuery), oc.RawQuery, len(oc.OperationName), oc.OperationName)
	h.Write(vars)
	return h.Sum(nil)
}

// claim takes the key for this transaction: the answer to replay when the
// key was used for the same request before, nil to go on, or the error
// the request gets.
func (t *Transactions) claim(ctx context.Context, tx *database.DB, subject, key string, hash []byte) (*graphql.Response, error) {
	var locked bool
	if err := tx.WithContext(ctx).Raw(`SELECT pg_try_advisory_xact_lock(hashtextextended(?, 7))`, subject+"\n"+key).
		Scan(&locked).Error; err != nil {
		return nil, fmt.Errorf("claim the idempotency key: %w", err)
	}
	if !locked {
		return nil, apperr.New(apperr.IdempotencyKeyInUse, "a request with this Idempotency-Key is still running; retry to get its answer")
	}
	// Read after the lock: a first request that committed before it was
	// taken is seen.
	var stored struct {
		RequestHash []byte
		Response    []byte
	}
	res := tx.WithContext(ctx).Raw(`SELECT request_hash, response FROM idempotency_keys
		WHERE subject = ? AND key = ? AND expires_at > now()`, subject, key).Scan(&stored)
	if res.Error != nil {
		return nil, fmt.Errorf("read the idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	if string(stored.RequestHash) != string(hash) {
		return nil, apperr.New(apperr.IdempotencyKeyReused, "this Idempotency-Key was used for a different request; use a new key for a new request")
	}
	var replay graphql.Response
	if err := json.Unmarshal(stored.Response, &replay); err != nil {
		return nil, fmt.Errorf("read the idempotency key's answer: %w", err)
	}
	return &replay, nil
}

// remember stores the answer under the key, with the operation's writes;
// keys past their time are swept a few at a time.
func (t *Transactions) remember(ctx context.Context, tx *database.DB, subject, key string, hash []byte, resp *graphql.Response) error {
	b, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("store the idempotency key's answer: %w", err)
	}
	err = tx.WithContext(ctx).Exec(`WITH swept AS (
			DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
				SELECT ctid FROM idempotency_keys WHERE expires_at < now() AND (subject, key) <> (?, ?)
				LIMIT 100 FOR UPDATE SKIP LOCKED)))
		INSERT INTO idempotency_keys (subject, key, request_hash, response, expires_at)
		VALUES (?, ?, ?, ?, now() + ? * interval '1 millisecond')
		ON CONFLICT (subject, key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response,
			created_at = now(), expires_at = excluded.expires_at`,
		subject, key, subject, key, hash, b, t.keyTTL.Milliseconds()).Error
	if err != nil {
		return fmt.Errorf("store the idempotency key's answer: %w", err)
	}
	return nil
}
