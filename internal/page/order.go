package page

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/pgtime"
)

// Kind is the type of a sort key's values, which decides how a cursor
// spells them. Each is kept as the text PostgreSQL reads back exactly:
// numeric as its decimal digits (never a float), timestamps to the
// nanosecond (PostgreSQL keeps microseconds), enums by label.
type Kind uint8

// The kinds of sort keys.
const (
	Int     Kind = iota // bigint, smallint
	Text                // text and enum labels
	Decimal             // numeric
	Date                // date, 2006-01-02
	Time                // timestamptz, RFC 3339 in UTC
)

// Key is one sort key of an ordering.
type Key struct {
	Name     string // stable name, part of the ordering's signature (e.g. DUE_ON)
	Kind     Kind
	Desc     bool
	Nullable bool
}

// Value is one sort key value of a row: its canonical text, or NULL.
type Value struct {
	Text  string
	Valid bool // false: SQL NULL
}

// Order is a total order of a list: the requested keys and, last, the
// unique tie-breaker id in the direction of the key before it, so pages
// never repeat or skip a row. NULLs sort as PostgreSQL sorts them by
// default: after every value ascending, before every value descending, so
// reversing every direction reverses the whole order.
type Order struct {
	Keys []Key
	sig  string
}

// NewOrder returns the order by keys, ended by the id tie-breaker. scope
// names what else a cursor depends on (a filter, later), so that it joins
// the signature.
func NewOrder(scope string, keys ...Key) Order {
	desc := len(keys) > 0 && keys[len(keys)-1].Desc
	ks := append(append(make([]Key, 0, len(keys)+1), keys...), Key{Name: "ID", Kind: Int, Desc: desc})
	h := fnv.New64a()
	h.Write([]byte(scope))
	for _, k := range ks {
		fmt.Fprintf(h, "|%s:%d:%t", k.Name, k.Kind, k.Desc)
	}
	return Order{Keys: ks, sig: strconv.FormatUint(h.Sum64(), 36)}
}

// ByID is the default order: id ascending.
var ByID = NewOrder("")

// cursorVersion versions the cursor format: c2:<signature>:<JSON values>.
const cursorVersion = "c2:"

func appendCursor(buf []byte, ord Order, vals []Value) []byte {
	buf = append(buf, cursorVersion...)
	buf = append(buf, ord.sig...)
	buf = append(buf, ':')
	js := make([]*string, len(vals))
	for i := range vals {
		if vals[i].Valid {
			js[i] = &vals[i].Text
		}
	}
	b, _ := json.Marshal(js) // strings and nulls always marshal
	return append(buf, b...)
}

var decimalRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// decode reads cursor c for ord. Only the canonical spelling of a position
// is accepted (the one Encode writes), and every value must be of its key's
// kind, so no cursor can reach the SQL as anything but a typed value.
func decode(arg, c string, ord Order) ([]Value, error) {
	bad := apperr.Invalid(arg, "%s is not a cursor returned by this API", arg)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	rest, ok := strings.CutPrefix(string(raw), cursorVersion)
	if !ok {
		return nil, bad
	}
	sig, body, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, bad
	}
	if sig != ord.sig {
		return nil, apperr.Invalid(arg, "%s is a cursor of another ordering", arg)
	}
	var js []*string
	if err := json.Unmarshal([]byte(body), &js); err != nil || len(js) != len(ord.Keys) {
		return nil, bad
	}
	vals := make([]Value, len(js))
	for i, s := range js {
		if s == nil {
			if !ord.Keys[i].Nullable {
				return nil, bad
			}
			continue
		}
		if !valid(ord.Keys[i].Kind, *s) {
			return nil, bad
		}
		vals[i] = Value{Text: *s, Valid: true}
	}
	if Encode(ord, vals) != c {
		return nil, bad
	}
	return vals, nil
}

// valid reports whether s is the canonical text of a value of kind k.
func valid(k Kind, s string) bool {
	switch k {
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		return err == nil && strconv.FormatInt(n, 10) == s
	case Decimal:
		return decimalRe.MatchString(s)
	case Date:
		t, err := time.Parse(time.DateOnly, s)
		return err == nil && t.Format(time.DateOnly) == s && pgtime.Storable(t)
	case Time:
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && t.UTC().Format(time.RFC3339Nano) == s && pgtime.Storable(t)
	}
	return true
}

// TimeValue is the canonical value of a timestamp.
func TimeValue(t time.Time) Value { return Value{Text: t.UTC().Format(time.RFC3339Nano), Valid: true} }

// DateValue is the canonical value of a date.
func DateValue(t time.Time) Value { return Value{Text: t.Format(time.DateOnly), Valid: true} }

// IntValue is the canonical value of an integer.
func IntValue(n int64) Value { return Value{Text: strconv.FormatInt(n, 10), Valid: true} }
