package page_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/page"
)

func ptr[T any](v T) *T { return &v }

func idCursor(k int64) string { return page.Encode(page.ByID, []page.Value{page.IntValue(k)}) }

func TestParse_WindowsFromRelayArguments(t *testing.T) {
	lim := page.Limits{Default: 20, Max: 100}
	c5, c9 := idCursor(5), idCursor(9)
	k5, k9 := []page.Value{page.IntValue(5)}, []page.Value{page.IntValue(9)}
	cases := []struct {
		name string
		args page.Args
		want page.Window
	}{
		{"nothing: the default page forwards", page.Args{}, page.Window{Limit: 20}},
		{"first", page.Args{First: ptr(3)}, page.Window{Limit: 3}},
		{"first zero", page.Args{First: ptr(0)}, page.Window{Limit: 0}},
		{"first at the maximum", page.Args{First: ptr(100)}, page.Window{Limit: 100}},
		{"first after", page.Args{First: ptr(3), After: &c5}, page.Window{Limit: 3, HasAfter: true, After: k5}},
		{"last before", page.Args{Last: ptr(2), Before: &c9}, page.Window{Limit: 2, Backward: true, HasBefore: true, Before: k9}},
		{"before alone pages backwards", page.Args{Before: &c9}, page.Window{Limit: 20, Backward: true, HasBefore: true, Before: k9}},
		{"after and before bound a window", page.Args{After: &c5, Before: &c9},
			page.Window{Limit: 20, HasAfter: true, After: k5, HasBefore: true, Before: k9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := page.Parse(c.args, lim, page.ByID)
			if err != nil || got.Limit != c.want.Limit || got.Backward != c.want.Backward ||
				got.HasAfter != c.want.HasAfter || got.HasBefore != c.want.HasBefore ||
				!slices.Equal(got.After, c.want.After) || !slices.Equal(got.Before, c.want.Before) {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

var (
	byDueOn = page.NewOrder("", page.Key{Name: "DUE_ON", Kind: page.Date, Nullable: true})
	byName  = page.NewOrder("", page.Key{Name: "NAME", Kind: page.Text, Desc: true})
)

func TestParse_CursorsCarryTypedKeyValuesOfTheirOrdering(t *testing.T) {
	for _, vals := range [][]page.Value{
		{page.DateValue(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)), page.IntValue(7)},
		{{}, page.IntValue(7)}, // NULL due date
	} {
		c := page.Encode(byDueOn, vals)
		w, err := page.Parse(page.Args{After: &c}, page.DefaultLimits, byDueOn)
		if err != nil || !slices.Equal(w.After, vals) {
			t.Fatalf("cursor of %v decodes to %v, %v", vals, w.After, err)
		}
		if _, err := page.Parse(page.Args{After: &c}, page.DefaultLimits, byName); err == nil ||
			!strings.Contains(err.Error(), "cursor of another ordering") {
			t.Fatalf("a due-date cursor in a name ordering: err %v", err)
		}
	}
}

func TestParse_BadArgumentsNameTheArgument(t *testing.T) {
	lim := page.Limits{Default: 20, Max: 100}
	other := page.Encode(byName, []page.Value{{Text: "Acme", Valid: true}, page.IntValue(1)})
	raw := func(s string) *string { c := base64.RawURLEncoding.EncodeToString([]byte(s)); return &c }
	sig := strings.SplitN(mustDecode(idCursor(1)), ":", 3)[1]
	cases := []struct {
		name  string
		args  page.Args
		field string
	}{
		{"first over the maximum", page.Args{First: ptr(101)}, "first"},
		{"negative last", page.Args{Last: ptr(-1)}, "last"},
		{"first and last", page.Args{First: ptr(1), Last: ptr(1)}, "first"},
		{"garbage after", page.Args{After: ptr("!!")}, "after"},
		{"base64 of something else", page.Args{Before: ptr("aGVsbG8")}, "before"},
		{"a cursor of another ordering", page.Args{After: &other}, "after"},
		{"a cursor of the old format", page.Args{After: raw("c1:id:5")}, "after"},
		{"a cursor with a bad key", page.Args{After: raw("c2:" + sig + `:["x"]`)}, "after"},
		{"a cursor with a NULL id", page.Args{After: raw("c2:" + sig + `:[null]`)}, "after"},
		{"a cursor with too many keys", page.Args{After: raw("c2:" + sig + `:["1","2"]`)}, "after"},
		{"a cursor with a non-canonical key", page.Args{After: raw("c2:" + sig + `:["01"]`)}, "after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := page.Parse(c.args, lim, page.ByID)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.field {
				t.Fatalf("err = %v, want BAD_USER_INPUT on %q", err, c.field)
			}
		})
	}
}

func mustDecode(c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type row int64

func (r row) PageKey() int64 { return int64(r) }

func rowKeys(r row) []page.Value { return []page.Value{page.IntValue(int64(r))} }

func TestCut_PageInfoInBothDirections(t *testing.T) {
	cases := []struct {
		name                 string
		read                 []row
		w                    page.Window
		want                 []row
		hasNext, hasPrevious bool
	}{
		{"first page, more follow", []row{1, 2, 3}, page.Window{Limit: 2}, []row{1, 2}, true, false},
		{"last page forwards", []row{7, 8}, page.Window{Limit: 2, HasAfter: true}, []row{7, 8}, false, true},
		{"backwards reverses", []row{9, 8, 7}, page.Window{Limit: 2, Backward: true}, []row{8, 9}, false, true},
		{"backwards before a cursor", []row{4, 3}, page.Window{Limit: 2, Backward: true, HasBefore: true}, []row{3, 4}, true, false},
		{"forwards up to a cursor", []row{2, 3}, page.Window{Limit: 5, HasBefore: true}, []row{2, 3}, true, false},
		{"empty", nil, page.Window{Limit: 2}, nil, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := page.Cut(append([]row(nil), c.read...), c.w, rowKeys)
			if len(res.Rows) != len(c.want) || res.HasNext != c.hasNext || res.HasPrev != c.hasPrevious {
				t.Fatalf("Cut = %+v, want rows %v next %v previous %v", res, c.want, c.hasNext, c.hasPrevious)
			}
			for i := range c.want {
				if res.Rows[i] != c.want[i] {
					t.Fatalf("rows %v, want %v", res.Rows, c.want)
				}
			}
		})
	}
}

// Any string a client sends as a cursor either decodes to key values that
// encode back to it or is refused as bad input: never a panic, never
// another error. The ordering mixes every kind and a nullable key.
func FuzzCursor(f *testing.F) {
	ord := page.NewOrder("", page.Key{Name: "DUE_ON", Kind: page.Date, Nullable: true},
		page.Key{Name: "BUDGET", Kind: page.Decimal, Nullable: true, Desc: true},
		page.Key{Name: "NAME", Kind: page.Text}, page.Key{Name: "CREATED_AT", Kind: page.Time, Desc: true})
	good := page.Encode(ord, []page.Value{page.DateValue(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)),
		{Text: "1234.50", Valid: true}, {Text: "Acme \"Ltd\" <é>", Valid: true},
		page.TimeValue(time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)), page.IntValue(42)})
	sig := strings.SplitN(mustDecode(good), ":", 3)[1]
	for _, s := range []string{good, page.Encode(ord, []page.Value{{}, {}, {Valid: true}, page.TimeValue(time.Unix(0, 0)), page.IntValue(-1)}),
		idCursor(0), "", "!!", "aGVsbG8",
		base64.RawURLEncoding.EncodeToString([]byte("c1:id:99999999999999999999")),
		base64.RawURLEncoding.EncodeToString([]byte("c2:" + sig + `:["2026-02-30","1e5","x","2026-01-02T03:04:05+01:00","1"]`)),
		base64.RawURLEncoding.EncodeToString([]byte("c2:" + sig + `:[null,null,null,null,null]`))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := page.Parse(page.Args{After: &s}, page.DefaultLimits, ord)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput {
				t.Fatalf("cursor %q: err %v is not BAD_USER_INPUT", s, err)
			}
			return
		}
		if page.Encode(ord, w.After) != s {
			t.Fatalf("cursor %q decodes to %v, which encodes to %q", s, w.After, page.Encode(ord, w.After))
		}
	})
}
