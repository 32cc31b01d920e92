package migrate_test

import (
	"context"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/bizgraph/bizgraph/internal/migrate"
	"github.com/bizgraph/bizgraph/internal/testdb"
	"github.com/bizgraph/bizgraph/migrations"
)

// dbURL is the package's database; the tests create theirs beside it.
var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

func TestUp_AppliesEveryMigrationThenNothing(t *testing.T) {
	mg := openMigrator(t, emptyDatabase(t))
	res, err := mg.Up(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versionsOf(res), allVersions(t); !slices.Equal(got, want) {
		t.Errorf("first Up applied %v, want %v", got, want)
	}
	res, err = mg.Up(context.Background())
	if err != nil || len(res) != 0 {
		t.Errorf("second Up = %v, %v; want nothing applied", versionsOf(res), err)
	}
	if pending, err := mg.Pending(context.Background()); err != nil || pending {
		t.Errorf("Pending = %v, %v; want false", pending, err)
	}
}

func TestDown_ThenUpReappliesTheLatest(t *testing.T) {
	mg := openMigrator(t, emptyDatabase(t))
	ctx := context.Background()
	if _, err := mg.Up(ctx); err != nil {
		t.Fatal(err)
	}
	all := allVersions(t)
	latest := all[len(all)-1]
	down, err := mg.Down(ctx)
	if err != nil || down.Source.Version != latest {
		t.Fatalf("Down = %v, %v; want version %d rolled back", down, err, latest)
	}
	if pending, err := mg.Pending(ctx); err != nil || !pending {
		t.Errorf("Pending after Down = %v, %v; want true", pending, err)
	}
	up, err := mg.Up(ctx)
	if got := versionsOf(up); err != nil || !slices.Equal(got, []int64{latest}) {
		t.Errorf("Up after Down = %v, %v; want [%d]", got, err, latest)
	}
}

func TestStatus_ListsEveryMigration(t *testing.T) {
	mg := openMigrator(t, emptyDatabase(t))
	assertStatus(t, mg, "pending")
	res, err := mg.Up(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertStatus(t, mg, "applied")
	// `bizgraph migrate up` prints each result by its name: the Go
	// migration too, which has no file goose knows of.
	var names []string
	for _, r := range res {
		names = append(names, migrate.Name(r.Source))
	}
	if want := migrationFiles(t); !slices.Equal(names, want) {
		t.Errorf("Up's results are named %v, want %v", names, want)
	}
}

// The firm's existing database has the baseline's tables but has never seen
// goose: Up must record the baseline as applied instead of running it.
func TestUp_AdoptsADatabaseThatHasTheBaselineTables(t *testing.T) {
	url := emptyDatabase(t)
	exec(t, url, baselineUp(t))
	mg := openMigrator(t, url)
	res, err := mg.Up(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versionsOf(res), allVersions(t)[1:]; !slices.Equal(got, want) {
		t.Errorf("Up applied %v, want only what follows the baseline, %v", got, want)
	}
	assertStatus(t, mg, "applied")
}

// emptyDatabase returns a new database with nothing in it. testdb.Create
// migrates what it creates, so the public schema is replaced by an empty one.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	url, drop, err := testdb.Create(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	exec(t, url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
	return url
}

func openMigrator(t *testing.T, url string) *migrate.Migrator {
	t.Helper()
	mg, err := migrate.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mg.Close() })
	return mg
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// assertStatus checks that Status reports every migration file, each in
// state want.
func assertStatus(t *testing.T, mg *migrate.Migrator, want string) {
	t.Helper()
	var out strings.Builder
	if err := mg.Status(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	names := migrationFiles(t)
	if len(lines) != len(names) {
		t.Fatalf("Status has %d lines for %d migrations:\n%s", len(lines), len(names), out.String())
	}
	for i, name := range names {
		if !strings.Contains(lines[i], name) || !strings.Contains(lines[i], want) {
			t.Errorf("Status line %q, want %s %s", lines[i], name, want)
		}
	}
}

func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded migrations: %v, %v", names, err)
	}
	// 00021 is a Go migration (webhooks.go): River's tables, then the
	// webhook tables.
	names = append(names, "00021_webhooks.go")
	slices.Sort(names)
	return names
}

// allVersions lists every migration's version, in order, from the names of
// the embedded files (00001_baseline.sql is version 1).
func allVersions(t *testing.T) []int64 {
	t.Helper()
	var vs []int64
	for _, name := range migrationFiles(t) {
		prefix, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func versionsOf(res []*goose.MigrationResult) []int64 {
	vs := []int64{}
	for _, r := range res {
		vs = append(vs, r.Source.Version)
	}
	return vs
}

// baselineUp is the Up section of the baseline migration, to run as plain
// SQL the way the firm's database came to have its tables.
func baselineUp(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(migrations.FS, "00001_baseline.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, up, _ := strings.Cut(string(b), "-- +goose Up")
	up, _, found := strings.Cut(up, "-- +goose Down")
	if !found {
		t.Fatal("00001_baseline.sql has no -- +goose Down section")
	}
	return up
}
