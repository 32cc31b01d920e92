package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scale 1's volumes (../shared/DOMAIN.md) that the workloads rely on: the
// deep page is the 2,000th page of 50 projects.
const (
	scaleOneCustomers = 20_000
	scaleOneProjects  = 100_000
)

// dbInfo describes the benchmark database for the report.
type dbInfo struct {
	Name      string `json:"name"`
	Server    string `json:"server"` // host:port, no credentials
	Version   string `json:"version"`
	Customers int64  `json:"customers"`
	Projects  int64  `json:"projects"`
	Created   bool   `json:"created"` // this run created and seeded it
}

// adminURL is dbURL with the maintenance database instead: the statistics
// are read from there, so that reading them adds no transaction to the
// benchmark database.
func adminURL(dbURL string) (admin, name, server string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", "", "", fmt.Errorf("parse database url: %w", err)
	}
	name = strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", "", "", fmt.Errorf("database url %s names no database", u.Redacted())
	}
	u.Path = "/postgres"
	return u.String(), name, u.Host, nil
}

// ensureDatabase reuses the database at dbURL when it holds scale 1, and
// otherwise creates, migrates and seeds it with the project's own binary.
func ensureDatabase(ctx context.Context, dbURL, bin string) (dbInfo, error) {
	admin, name, server, err := adminURL(dbURL)
	info := dbInfo{Name: name, Server: server}
	if err != nil {
		return info, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return info, fmt.Errorf("connect to the server's postgres database: %w", err)
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err == nil && !exists {
		log.Printf("creating database %s", name)
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	}
	if err == nil {
		err = conn.QueryRow(ctx, "SHOW server_version").Scan(&info.Version)
	}
	conn.Close(ctx)
	if err != nil {
		return info, fmt.Errorf("create database %s: %w", name, err)
	}

	// migrate up changes nothing on a database that is up to date, and
	// brings a reused one to the schema this checkout's workloads need.
	if err := runProject(ctx, bin, dbURL, "migrate", "up"); err != nil {
		return info, err
	}
	if info.Customers, info.Projects, err = counts(ctx, dbURL); err != nil {
		return info, err
	}
	if info.Projects == 0 {
		log.Printf("seeding %s at scale 1 (takes a while, once)", name)
		if err := runProject(ctx, bin, dbURL, "seed", "--scale", "1", "--seed", "1"); err != nil {
			return info, err
		}
		info.Created = true
		if info.Customers, info.Projects, err = counts(ctx, dbURL); err != nil {
			return info, err
		}
	}
	if info.Customers != scaleOneCustomers || info.Projects != scaleOneProjects {
		return info, fmt.Errorf("database %s holds %d customers and %d projects, not scale 1's %d and %d: "+
			"point BENCH_DATABASE_URL at a scale-1 database or at one that does not exist yet",
			name, info.Customers, info.Projects, scaleOneCustomers, scaleOneProjects)
	}
	return info, nil
}

func counts(ctx context.Context, dbURL string) (customers, projects int64, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, fmt.Errorf("connect to the benchmark database: %w", err)
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM projects)").
		Scan(&customers, &projects)
	if err != nil {
		return 0, 0, fmt.Errorf("count rows: %w", err)
	}
	return customers, projects, nil
}

// runProject runs a command of the project's binary on dbURL.
func runProject(ctx context.Context, bin, dbURL string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bizgraph %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// statsReader reads the benchmark database's activity as PostgreSQL counts
// it. Each statement the servers send outside a transaction block is one
// transaction there, so the committed and rolled-back transactions over a
// window are the statements sent in it.
type statsReader struct {
	conn *pgx.Conn // to the maintenance database, not the benchmark one
	db   string
	ours []string // application names of the servers under test
}

// dbStats is one reading.
type dbStats struct {
	Xacts    int64 // xact_commit + xact_rollback
	Sessions int64 // sessions ever opened to the database
}

func newStatsReader(ctx context.Context, dbURL string, ours ...string) (*statsReader, error) {
	admin, name, _, err := adminURL(dbURL)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect for statistics: %w", err)
	}
	return &statsReader{conn: conn, db: name, ours: ours}, nil
}

func (s *statsReader) Close() { _ = s.conn.Close(context.Background()) }

func (s *statsReader) read(ctx context.Context) (dbStats, error) {
	var st dbStats
	err := s.conn.QueryRow(ctx, `SELECT xact_commit + xact_rollback, sessions
		FROM pg_stat_database WHERE datname = $1`, s.db).Scan(&st.Xacts, &st.Sessions)
	if err != nil {
		return st, fmt.Errorf("read pg_stat_database: %w", err)
	}
	return st, nil
}

// others counts the other clients that used the benchmark database since
// `since`: connections that are still there (other application names that
// ran something since), plus sessions opened in the window by anyone (the
// servers' pools are full before the first window and open none). Their
// statements would be counted as ours, and they share the machine.
func (s *statsReader) others(ctx context.Context, since time.Time, before, after dbStats) (int64, error) {
	var n int64
	err := s.conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = $1 AND NOT (application_name = ANY($2))
		  AND (state = 'active' OR state_change >= $3 OR backend_start >= $3)`,
		s.db, s.ours, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read pg_stat_activity: %w", err)
	}
	return n + after.Sessions - before.Sessions, nil
}
