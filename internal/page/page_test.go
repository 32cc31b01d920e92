package page_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/page"
)

func ptr[T any](v T) *T { return &v }

func TestParse_WindowsFromRelayArguments(t *testing.T) {
	lim := page.Limits{Default: 20, Max: 100}
	c5, c9 := page.Encode(5), page.Encode(9)
	cases := []struct {
		name string
		args page.Args
		want page.Window
	}{
		{"nothing: the default page forwards", page.Args{}, page.Window{Limit: 20}},
		{"first", page.Args{First: ptr(3)}, page.Window{Limit: 3}},
		{"first zero", page.Args{First: ptr(0)}, page.Window{Limit: 0}},
		{"first at the maximum", page.Args{First: ptr(100)}, page.Window{Limit: 100}},
		{"first after", page.Args{First: ptr(3), After: &c5}, page.Window{Limit: 3, HasAfter: true, After: 5}},
		{"last before", page.Args{Last: ptr(2), Before: &c9}, page.Window{Limit: 2, Backward: true, HasBefore: true, Before: 9}},
		{"before alone pages backwards", page.Args{Before: &c9}, page.Window{Limit: 20, Backward: true, HasBefore: true, Before: 9}},
		{"after and before bound a window", page.Args{After: &c5, Before: &c9},
			page.Window{Limit: 20, HasAfter: true, After: 5, HasBefore: true, Before: 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := page.Parse(c.args, lim)
			if err != nil || got != c.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestParse_BadArgumentsNameTheArgument(t *testing.T) {
	lim := page.Limits{Default: 20, Max: 100}
	other := base64.RawURLEncoding.EncodeToString([]byte("c1:name:Acme"))
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
		{"a cursor with a bad key", page.Args{After: ptr(base64.RawURLEncoding.EncodeToString([]byte("c1:id:x")))}, "after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := page.Parse(c.args, lim)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.field {
				t.Fatalf("err = %v, want BAD_USER_INPUT on %q", err, c.field)
			}
		})
	}
}

type row int64

func (r row) PageKey() int64 { return int64(r) }

func TestCut_PageInfoInBothDirections(t *testing.T) {
	cases := []struct {
		name                 string
		read                 []row
		w                    page.Window
		want                 []row
		hasNext, hasPrevious bool
	}{
		{"first page, more follow", []row{1, 2, 3}, page.Window{Limit: 2}, []row{1, 2}, true, false},
		{"last page forwards", []row{7, 8}, page.Window{Limit: 2, HasAfter: true, After: 6}, []row{7, 8}, false, true},
		{"backwards reverses", []row{9, 8, 7}, page.Window{Limit: 2, Backward: true}, []row{8, 9}, false, true},
		{"backwards before a cursor", []row{4, 3}, page.Window{Limit: 2, Backward: true, HasBefore: true, Before: 5}, []row{3, 4}, true, false},
		{"forwards up to a cursor", []row{2, 3}, page.Window{Limit: 5, HasBefore: true, Before: 4}, []row{2, 3}, true, false},
		{"empty", nil, page.Window{Limit: 2}, nil, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := page.Cut(append([]row(nil), c.read...), c.w)
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

// Any string a client sends as a cursor either decodes to the key it was
// made from or is refused as bad input: never a panic, never another error.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{page.Encode(0), page.Encode(42), page.Encode(-1), "", "!!", "aGVsbG8",
		base64.RawURLEncoding.EncodeToString([]byte("c1:id:99999999999999999999")),
		base64.RawURLEncoding.EncodeToString([]byte("c1:name:x"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := page.Parse(page.Args{After: &s}, page.DefaultLimits)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput {
				t.Fatalf("cursor %q: err %v is not BAD_USER_INPUT", s, err)
			}
			return
		}
		if page.Encode(w.After) != s {
			t.Fatalf("cursor %q decodes to %d, which encodes to %q", s, w.After, page.Encode(w.After))
		}
	})
}
