package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/database"
)

// Every connection of the pool runs with PostgreSQL's JIT off, which
// otherwise compiles the analytics statements for longer than they run;
// a URL that sets jit keeps its own choice.
func TestNew_JITOffUnlessTheURLSetsIt(t *testing.T) {
	for url, want := range map[string]string{dbURL: "off", withParam(dbURL, "jit=on"): "on"} {
		db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.Raw("SHOW jit").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		_ = db.Close()
		if got != want {
			t.Errorf("jit = %q with %s, want %q", got, url, want)
		}
	}
}

// withParam adds a query parameter to a PostgreSQL URL.
func withParam(url, param string) string {
	if strings.Contains(url, "?") {
		return url + "&" + param
	}
	return url + "?" + param
}
