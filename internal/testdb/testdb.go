// Package testdb gives each test package a migrated PostgreSQL database of
// its own, so packages run in parallel and leave nothing behind.
//
// Tests of a package share its database and only read it. A test that
// writes takes a database of its own with Fresh: a copy of the package's
// database as Run prepared it (migrated, seeded), made by PostgreSQL from a
// template in a fraction of a second and dropped when the test ends, so its
// writes reach neither the other tests nor the next run, and it may commit,
// truncate or lock tables freely. Run keeps the prepared database as that
// template, untouched, and hands the tests a copy of it.
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
	tmpl, err := create(ctx, adminURL, "")
	if err == nil {
		defer tmpl.drop()
		err = migrateUp(ctx, tmpl.url)
	}
	if err == nil && opts.Prepare != nil {
		if err = opts.Prepare(ctx, tmpl.url); err != nil {
			err = fmt.Errorf("prepare test database: %w", err)
		}
	}
	var pkg database
	if err == nil {
		pkg, err = create(ctx, adminURL, "TEMPLATE "+tmpl.name)
	}
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		return 1
	}
	defer pkg.drop()
	template = source{adminURL: adminURL, name: tmpl.name}
	*dbURL = pkg.url
	return m.Run()
}

// source is the database Fresh copies: the package's as Run prepared it.
type source struct{ adminURL, name string }

var template source

// Fresh returns the URL of a database of the test's own, a copy of the
// package's database as Run prepared it, and drops it when the test ends.
// The package's TestMain must call Run.
func Fresh(t testing.TB) string {
	t.Helper()
	if template.name == "" {
		t.Fatal("testdb.Fresh: the package's TestMain does not call testdb.Run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// PostgreSQL copies the template's files; nobody is connected to it.
	db, err := create(ctx, template.adminURL, "TEMPLATE "+template.name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.drop)
	return db.url
}

// Create makes a new migrated database on the server at adminURL and returns
// its URL and a function that drops it.
func Create(ctx context.Context, adminURL string) (string, func(), error) {
	db, err := create(ctx, adminURL, "")
	if err != nil {
		return "", nil, err
	}
	if err := migrateUp(ctx, db.url); err != nil {
		db.drop()
		return "", nil, err
	}
	return db.url, db.drop, nil
}

func migrateUp(ctx context.Context, url string) error {
	mg, err := migrate.Open(url)
	if err != nil {
		return err
	}
	defer mg.Close()
	_, err = mg.Up(ctx)
	return err
}

// database is a test database: its name, URL and how to drop it.
type database struct {
	name, url string
	drop      func()
}

// create makes a new database on the server at adminURL with the CREATE
// DATABASE options given.
func create(ctx context.Context, adminURL, options string) (database, error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return database{}, fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	name := "bizgraph_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" "+options); err != nil {
		return database{}, fmt.Errorf("create test database: %w", err)
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
		return database{}, err
	}
	return database{name: name, url: u, drop: drop}, nil
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
