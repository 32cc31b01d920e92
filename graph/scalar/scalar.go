// Package scalar maps the store's value types to their GraphQL wire forms:
// Decimal as an exact string, Date as ISO 8601, and the PostgreSQL enum
// labels (mid_market) as GraphQL enum values (MID_MARKET). gqlgen finds the
// Marshal/Unmarshal pairs by name (gqlgen.yml binds each scalar and enum
// here), so the store stays free of GraphQL. A value that does not parse is
// the caller's mistake: an apperr BAD_USER_INPUT, not an internal error,
// whose message quotes at most the value's first 40 characters.
package scalar

import (
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/pgtime"
	"github.com/bizgraph/bizgraph/internal/store"
)

// MarshalDecimal writes an exact decimal as a JSON string.
func MarshalDecimal(d store.Decimal) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { writeQuoted(w, string(d)) })
}

// UnmarshalDecimal accepts a decimal string ("12.50") or a JSON number.
func UnmarshalDecimal(v any) (store.Decimal, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = strings.TrimSpace(v)
	case int64:
		return store.Decimal(strconv.FormatInt(v, 10)), nil
	case int:
		return store.Decimal(strconv.Itoa(v)), nil
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return "", apperr.Invalid("", "Decimal must be a string such as \"12.50\", got %T", v)
	}
	if _, ok := new(big.Rat).SetString(s); !ok || strings.ContainsAny(s, "/eE") {
		return "", apperr.Invalid("", "%.40q is not a decimal number", s)
	}
	return store.Decimal(s), nil
}

// MarshalDate writes a date as "2006-01-02".
func MarshalDate(d store.Date) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [12]byte
		b := append(buf[:0], '"')
		b = d.AppendFormat(b, time.DateOnly)
		_, _ = w.Write(append(b, '"'))
	})
}

// UnmarshalDate accepts "2006-01-02".
func UnmarshalDate(v any) (store.Date, error) {
	s, ok := v.(string)
	if !ok {
		return store.Date{}, apperr.Invalid("", "Date must be a string such as \"2026-11-24\", got %T", v)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return store.Date{}, apperr.Invalid("", "%.40q is not a date of the form 2026-11-24", s)
	}
	if !pgtime.Storable(t) {
		return store.Date{}, apperr.Invalid("", "%.40q is outside the dates this API stores (years %d to %d)", s, pgtime.MinYear, pgtime.MaxYear)
	}
	return store.Date{Time: t}, nil
}

func writeQuoted(w io.Writer, s string) {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	_, _ = w.Write(append(b, '"'))
}

// enum maps one PostgreSQL enum's labels to GraphQL values and back.
type enum[T ~string] struct {
	name   string
	wire   map[T][]byte // label -> quoted GraphQL value, built once
	labels map[string]T // GraphQL value -> label
}

func newEnum[T ~string](name string, labels []T) enum[T] {
	e := enum[T]{name: name, wire: map[T][]byte{}, labels: map[string]T{}}
	for _, l := range labels {
		v := strings.ToUpper(string(l))
		e.wire[l] = []byte(strconv.Quote(v))
		e.labels[v] = l
	}
	return e
}

// marshal writes a label as its GraphQL value. A label the schema does
// not know (the database gained a value before the schema did) is no value
// at all: graphql.Null, which the executor reports as an error at the
// field's path, an internal one (logged with that path, shown as a generic
// message: neither the label nor the SQL type reach the caller), and the
// null goes up to the nearest nullable parent as for any failed non-null
// field. Every enum field of the schema's objects is non-null; a nullable
// one would read such a label as null without an error.
func (e enum[T]) marshal(v T) graphql.Marshaler {
	b, ok := e.wire[v]
	if !ok {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(b) })
}

func (e enum[T]) unmarshal(v any) (T, error) {
	s, ok := v.(string)
	if l, known := e.labels[s]; ok && known {
		return l, nil
	}
	return "", apperr.Invalid("", "%.40q is not a valid %s", fmt.Sprint(v), e.name)
}

var (
	customerSegment = newEnum("CustomerSegment", store.EnumLabels.CustomerSegment)
	customerStatus  = newEnum("CustomerStatus", store.EnumLabels.CustomerStatus)
	projectStatus   = newEnum("ProjectStatus", store.EnumLabels.ProjectStatus)
	projectPriority = newEnum("ProjectPriority", store.EnumLabels.ProjectPriority)
	billingModel    = newEnum("BillingModel", store.EnumLabels.BillingModel)
	employmentType  = newEnum("EmploymentType", store.EnumLabels.EmploymentType)
	employeeStatus  = newEnum("EmployeeStatus", store.EnumLabels.EmployeeStatus)
	timesheetStatus = newEnum("TimesheetStatus", store.EnumLabels.TimesheetStatus)
)

// gqlgen looks these up by name; each is one line over the shared codec.

func MarshalCustomerSegment(v store.CustomerSegment) graphql.Marshaler {
	return customerSegment.marshal(v)
}
func UnmarshalCustomerSegment(v any) (store.CustomerSegment, error) {
	return customerSegment.unmarshal(v)
}
func MarshalCustomerStatus(v store.CustomerStatus) graphql.Marshaler {
	return customerStatus.marshal(v)
}
func UnmarshalCustomerStatus(v any) (store.CustomerStatus, error)  { return customerStatus.unmarshal(v) }
func MarshalProjectStatus(v store.ProjectStatus) graphql.Marshaler { return projectStatus.marshal(v) }
func UnmarshalProjectStatus(v any) (store.ProjectStatus, error)    { return projectStatus.unmarshal(v) }
func MarshalProjectPriority(v store.ProjectPriority) graphql.Marshaler {
	return projectPriority.marshal(v)
}
func UnmarshalProjectPriority(v any) (store.ProjectPriority, error) {
	return projectPriority.unmarshal(v)
}
func MarshalBillingModel(v store.BillingModel) graphql.Marshaler { return billingModel.marshal(v) }
func UnmarshalBillingModel(v any) (store.BillingModel, error)    { return billingModel.unmarshal(v) }
func MarshalEmploymentType(v store.EmploymentType) graphql.Marshaler {
	return employmentType.marshal(v)
}
func UnmarshalEmploymentType(v any) (store.EmploymentType, error) { return employmentType.unmarshal(v) }
func MarshalEmployeeStatus(v store.EmployeeStatus) graphql.Marshaler {
	return employeeStatus.marshal(v)
}
func UnmarshalEmployeeStatus(v any) (store.EmployeeStatus, error) { return employeeStatus.unmarshal(v) }
func MarshalTimesheetStatus(v store.TimesheetStatus) graphql.Marshaler {
	return timesheetStatus.marshal(v)
}
func UnmarshalTimesheetStatus(v any) (store.TimesheetStatus, error) {
	return timesheetStatus.unmarshal(v)
}

// MarshalDateTime writes a point in time as RFC 3339 (gqlgen's Time).
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime accepts RFC 3339 ("2026-11-24T09:30:00Z"); a value
// that is not one is the caller's mistake, reported as such.
func UnmarshalDateTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, apperr.Invalid("", "%.40q is not a date and time such as \"2026-11-24T09:30:00Z\"", fmt.Sprint(v))
	}
	if !pgtime.Storable(t) {
		return time.Time{}, apperr.Invalid("", "%.40q is outside the times this API stores (years %d to %d in UTC)", fmt.Sprint(v), pgtime.MinYear, pgtime.MaxYear)
	}
	return t, nil
}
