package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Fault tells the failures of the database that are not the request's fault
// and not a bug: the pool was exhausted, the server is down or restarting,
// the request's time ran out. It returns the error a client sees, with a
// generic message and a code it can act on (apperr.Overloaded and
// apperr.Unavailable: retry; apperr.Timeout: the request is too slow), or
// nil for any other error. The cause is for the log only.
func Fault(err error) *apperr.Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrPoolExhausted):
		return &apperr.Error{Code: apperr.Overloaded, Message: "the server is busy: no database connection was free in time; retry shortly"}
	case timedOut(err):
		return &apperr.Error{Code: apperr.Timeout, Message: "the request took longer than the server allows and was stopped"}
	case unreachable(err):
		return &apperr.Error{Code: apperr.Unavailable, Message: "the database is unavailable; retry shortly"}
	}
	return nil
}

func timedOut(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// query_canceled: statement_timeout, or the cancel request sent
		// when the request's context ended.
		return pgErr.Code == "57014"
	}
	return errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err)
}

// unreachable is a failure to talk to the server at all: refused or lost
// connections, and the server saying it is shutting down or starting.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01..57P03: admin_shutdown,
		// crash_shutdown, cannot_connect_now; 53300: too_many_connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || pgErr.Code == "53300"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.Is(err, errConnectTimeout) || errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err)
}
