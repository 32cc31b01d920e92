// Package testdb gives each test package a migrated PostgreSQL database of
// its own, so packages run in parallel and leave nothing behind.
//
// The server is TEST_DATABASE_URL when set (any database on it; the test
// databases are created beside it). Otherwise it is the project's embedded
// PostgreSQL (internal/pgembed): each test process starts a throwaway one
// in a temporary directory and stops it when its tests end.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/migrate"
)

// Options says how to prepare the package's database.
type Options struct {
	// Prepare runs once after migration, e.g. to seed data.
	Prepare func(ctx context.Context, url string) error
}

// Run creates the package's database, stores its URL in *dbURL, runs the
// package's tests and drops the database. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }
func Run(m *testing.M, opts Options, dbURL *string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	adminURL, stop, err := serverURL(ctx)
	if err != nil {
		cancel()
		fmt.Fprintln(os.Stderr, "testdb:", err)
		return 1
	}
	defer stop()
	u, drop, err := Create(ctx, adminURL)
	if err == nil && opts.Prepare != nil {
		if err = opts.Prepare(ctx, u); err != nil {
			err = fmt.Errorf("prepare test database: %w", err)
		}
	}
	cancel()
	if err != nil {
		if drop != nil {
			drop()
		}
		fmt.Fprintln(os.Stderr, "testdb:", err)
		return 1
	}
	defer drop()
	*dbURL = u
	return m.Run()
}

// Create makes a new migrated database on the server at adminURL and returns
// its URL and a function that drops it.
func Create(ctx context.Context, adminURL string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	name := "bizgraph_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testdb: drop:", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "testdb: drop:", err)
		}
	}
	u, err := withDatabase(adminURL, name)
	if err != nil {
		drop()
		return "", nil, err
	}
	mg, err := migrate.Open(u)
	if err != nil {
		drop()
		return "", nil, err
	}
	defer mg.Close()
	if _, err := mg.Up(ctx); err != nil {
		drop()
		return "", nil, err
	}
	return u, drop, nil
}

// withDatabase returns rawURL pointing at database name instead.
func withDatabase(rawURL, name string) (string, error) {
	if strings.Contains(rawURL, "://") {
		u, err := url.Parse(rawURL)
		if err != nil {
			return "", fmt.Errorf("parse test database url: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// keyword/value form: "host=... dbname=..."
	var parts []string
	for _, f := range strings.Fields(rawURL) {
		if !strings.HasPrefix(f, "dbname=") {
			parts = append(parts, f)
		}
	}
	return strings.Join(append(parts, "dbname="+name), " "), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
