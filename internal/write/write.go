// Package write is the one path every change to the firm's data takes.
// Each write runs in a transaction (joining the operation's, when the
// mutation executor began one) in the same order:
//
//  1. lock the row it changes (SELECT … FOR UPDATE), or NOT_FOUND;
//  2. ask the rules (internal/policy) whether the caller may write the row
//     with the columns named, or FORBIDDEN, before anything about the input
//     is said;
//  3. compare the version the caller read (versioned tables), or CONFLICT
//     with the current version;
//  4. validate the whole input, reporting every problem at once
//     (apperr.Problems, each with its input path), references and
//     uniqueness included, in one statement;
//  5. write, with RETURNING, and record what changed: an audit row per row
//     (old and new values, sensitive ones apart) and an event per change
//     (internal/events), in the same transaction.
//
// The order is written once, in paths.go (create, alter); a write says only
// what is particular to it.
//
// A refused or failed write returns an error and the transaction rolls
// back: nothing is half-written. The package knows nothing of GraphQL's
// executor: it takes the inputs gqlgen decodes and returns the keys of the
// rows written, which graph/ reads back through the store.
package write

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Writer writes the firm's data under its rules.
type Writer struct {
	db    *database.DB
	rules policy.Rules
}

// New returns a writer over db that asks rules.
func New(db *database.DB, rules policy.Rules) *Writer {
	return &Writer{db: db, rules: rules}
}

// transact runs fn in the caller's transaction, or in one of its own.
func (w *Writer) transact(ctx context.Context, fn func(ctx context.Context, tx *database.DB) error) error {
	return w.db.Transact(ctx, database.TxOptions{}, fn)
}

// caller is the identity a write acts for; a request without one writes
// nothing.
func caller(ctx context.Context) (*auth.Identity, error) {
	id := auth.From(ctx)
	if id == nil || len(id.Roles) == 0 {
		return nil, apperr.New(apperr.Unauthenticated, "writes need a credential")
	}
	return id, nil
}

// allow asks the rules whether id may take action on sp's row with facts,
// setting columns; a refusal is FORBIDDEN saying who may.
func (w *Writer) allow(id *auth.Identity, action policy.Action, sp *spec, facts *policy.Facts, columns []string) error {
	err := w.rules.Check(id, action, sp.table, facts, columns...)
	var refused *policy.Refused
	if errors.As(err, &refused) {
		return &apperr.Error{Code: apperr.Forbidden, Message: refused.Error()}
	}
	if err != nil {
		return fmt.Errorf("decide %s of %s: %w", action, sp.table, err)
	}
	return nil
}

// checkVersion refuses a write based on a version that is no longer the
// row's: nothing is overwritten silently (DOMAIN.md, "Who writes what").
func checkVersion(sp *spec, before row, read int) error {
	current := before.int("version")
	if int64(read) == current {
		return nil
	}
	return &apperr.Error{Code: apperr.Conflict,
		Message:    fmt.Sprintf("the %s changed since it was read: version %d was sent, it is now at %d; read it again and decide anew", sp.noun, read, current),
		Extensions: map[string]any{"currentVersion": current}}
}

// key parses a global id of type typ at path; a malformed id or one of
// another type is a problem of the input.
func key(p *apperr.Problems, path, gid, typ string) int64 {
	t, k, err := store.ParseID(gid)
	switch {
	case err != nil:
		p.Add(path, "%.40q is not an id returned by this API", gid)
	case t != typ:
		p.Add(path, "%.40q is the id of a %s, not a %s", gid, t, typ)
	default:
		return k
	}
	return 0
}

// target parses the id of the row a write changes: NOT_FOUND when it
// names no row of typ (a malformed id, or one of another type, names none).
func target(gid, typ string) (int64, error) {
	t, k, err := store.ParseID(gid)
	if err != nil || t != typ {
		return 0, apperr.New(apperr.NotFound, "no %s has the id %.40q", typ, gid)
	}
	return k, nil
}

// isUniqueViolation reports whether err is a unique constraint's refusal.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// uniqueViolation maps a unique constraint that refused a write which the
// checks had passed (a concurrent write took the value in between) to the
// problem the checks would have reported.
func uniqueViolation(err error, fields map[string]string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return err
	}
	for constraint, path := range fields {
		if pgErr.ConstraintName == constraint {
			var p apperr.Problems
			p.Add(path, "is already taken")
			return p
		}
	}
	return err
}
