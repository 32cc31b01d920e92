package store_test

import (
	"errors"
	"testing"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Any string a client sends as an id either names the object it was made
// for or is refused as bad input.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{store.GlobalID("Customer", 1), store.GlobalID("TimeEntry", 5000000), "", "Q3VzdG9tZXI6",
		"Tm9wZToxMg", store.GlobalID("Project", -3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		typ, key, err := store.ParseID(id)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput {
				t.Fatalf("id %q: err %v is not BAD_USER_INPUT", id, err)
			}
			return
		}
		if store.GlobalID(typ, key) != id {
			t.Fatalf("id %q parses to %s %d, which is %q", id, typ, key, store.GlobalID(typ, key))
		}
	})
}
