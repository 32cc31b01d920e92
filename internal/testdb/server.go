package testdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bizgraph/bizgraph/internal/pgembed"
)

// serverURL finds the PostgreSQL server the tests use: TEST_DATABASE_URL
// when set, else an embedded server of this test process's own.
func serverURL(ctx context.Context) (url string, stop func(), err error) {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u, func() {}, nil
	}
	return startEmbedded(ctx)
}

// embeddedPrefix names the data directories of embedded test servers.
const embeddedPrefix = "bizgraph-testdb-"

// startEmbedded starts a throwaway server in a fresh temporary directory and
// returns its admin URL and a function that stops it and removes the
// directory. Each test package runs in a process of its own and so gets a
// server of its own: nothing is shared, nothing needs coordinating.
func startEmbedded(ctx context.Context) (string, func(), error) {
	removeAbandoned()
	// The data directory itself: pgembed hands it to the server's account
	// when we are root, and the way there (the temporary directory) is
	// open to all.
	dir, err := os.MkdirTemp("", embeddedPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("create embedded test server directory: %w", err)
	}
	srv, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir, Ephemeral: true})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("start embedded test server (or set TEST_DATABASE_URL): %w", err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "testdb: remove embedded test server directory:", err)
		}
	}
	return srv.URL("postgres"), stop, nil
}

// removeAbandoned deletes the data directories (some 40 MB each) that test
// processes which died without cleaning up (a panic, a timeout) left
// behind. Their servers stopped with them, removing postmaster.pid; a
// directory that has none but is younger than a minute may still be
// starting, so it is spared.
func removeAbandoned() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), embeddedPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); os.IsNotExist(err) {
			_ = os.RemoveAll(dir)
		}
	}
}
