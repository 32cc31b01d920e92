package database_test

import (
	"context"
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// The package's database is migrated and empty; every test that writes
// takes its own copy with testdb.Fresh.
var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

// open opens a pool on a fresh copy of the package's database, with opts,
// after running setup statements on it.
func open(t *testing.T, opts database.Options, setup ...string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), testdb.Fresh(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, s := range setup {
		if err := db.Exec(s).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}
