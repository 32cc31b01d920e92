package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
)

// operation is one workload: a GraphQL operation sent as the body of a POST
// to /graphql, as a client would send it.
type operation struct {
	Name       string         `json:"name"`
	About      string         `json:"about"`
	Document   string         `json:"document"` // file the text comes from
	Variables  map[string]any `json:"variables,omitempty"`
	Statements int            `json:"statements,omitempty"` // expected per request: one per relation level; 0 unknown
	Ceiling    bool           `json:"ceiling,omitempty"`    // bench/cmd/ceiling answers it too
	Check      string         `json:"check"`
	Send       string         `json:"send"` // "text" or "persisted"
	// CeilingStatements is what one request costs the ceiling.
	CeilingStatements int         `json:"ceiling_statements,omitempty"`
	Rotate            *rotation   `json:"rotate,omitempty"`
	LostUpdate        *lostUpdate `json:"lost_update,omitempty"`
	Role              string      `json:"role"` // whose token the requests carry
	// MaxConcurrency bounds the concurrencies of its cells; 0: every one.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// CeilingGoal is the share of the ceiling's throughput at c16 issue
	// #20 asks of it; 0: none.
	CeilingGoal float64 `json:"ceiling_goal,omitempty"`

	// employeeSQL finds the employee the token acts as (spec.Employee);
	// header is then that token's Authorization header, made by prepare.
	employeeSQL string
	header      string

	text      string
	register  []byte // persisted: the request that registers the text with its hash, sent once before any answer is taken
	derive    map[string]derivation
	body      []byte // the request
	feed      feeder // the requests, when each is different (Rotate)
	reference []byte // the API's answer, which every later answer must equal (check "exact")
}

// spec is an operation's optional <name>.json beside its <name>.graphql.
type spec struct {
	About string `json:"about"`
	// Document names another operation's .graphql to send instead of the
	// file of the same name, so that two workloads can share one text.
	Document   string                `json:"document"`
	Variables  map[string]any        `json:"variables"`
	Derive     map[string]derivation `json:"derive"`
	Statements int                   `json:"statements"`
	Ceiling    bool                  `json:"ceiling"`
	Check      string                `json:"check"`
	// Send is how the operation travels: "text" (the default) or
	// "persisted", by its sha256 alone (Apollo's automatic persisted
	// queries), after one request has registered the text.
	Send string `json:"send"`
	// CeilingStatements is what one request costs the ceiling (2 for the
	// nested page when not said).
	CeilingStatements int `json:"ceiling_statements"`
	// Rotate makes every request's variables anew (writes).
	Rotate *rotation `json:"rotate"`
	// LostUpdate asks for the lost-update check on this operation.
	LostUpdate *lostUpdate `json:"lost_update"`
	// Role is the credential's role: manager (the default) or admin.
	Role string `json:"role"`
	// Employee is SQL returning the employee id the credential acts as,
	// for pages whose rows are scoped to the caller (a manager's line);
	// empty: no employee, as for every operation that reads no such rows.
	Employee string `json:"employee"`
	// MaxConcurrency leaves out the cells above it. A report that takes
	// a tenth of a second of both cores is answered at the same rate from
	// 16 clients as from 64 (the server runs 4 per CPU at once and queues
	// the rest); the 64 only wait 4 times longer, and a cell of them takes
	// half a minute to drain.
	MaxConcurrency int `json:"max_concurrency"`
	// CeilingGoal is the share of the ceiling's throughput at c16 issue
	// #20 asks of the API (0.8: 80%).
	CeilingGoal float64 `json:"ceiling_goal"`
}

// derivation computes a variable from the database, for values that depend
// on the rows (a cursor, a global id): sql returns one bigint key, and as
// says what to make of it.
type derivation struct {
	As   string `json:"as"`   // "cursor": page.Encode(key); "id": store.GlobalID(type, key)
	Type string `json:"type"` // the GraphQL type of an "id"
	SQL  string `json:"sql"`
}

const (
	sendText      = "text"
	sendPersisted = "persisted"
)

const (
	checkExact    = "exact"     // every answer equals the first, byte for byte (reads)
	checkNoErrors = "no-errors" // status 200 and no "errors"
	checkShape    = "shape"     // status 200, no "errors", and the first answer's fields (writes, whose values differ)
)

// orderPrefix is the "01_" that puts operation files in running order; it
// is not part of the operation's name.
var orderPrefix = regexp.MustCompile(`^[0-9]+[_-]`)

// loadOperations reads every operation in dir: each <name>.graphql, and each
// <name>.json that names the document of another. only selects by name.
func loadOperations(dir string, only *regexp.Regexp) ([]*operation, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read operations: %w", err)
	}
	var bases []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if ext != ".graphql" && ext != ".json" {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ext)
		if !slices.Contains(bases, base) {
			bases = append(bases, base)
		}
	}
	slices.Sort(bases)
	var ops []*operation
	for _, base := range bases {
		op, err := loadOperation(dir, base)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", base, err)
		}
		if only == nil || only.MatchString(op.Name) {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("no operation in %s matches", dir)
	}
	return ops, nil
}

func loadOperation(dir, base string) (*operation, error) {
	var s spec
	raw, err := os.ReadFile(filepath.Join(dir, base+".json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields() // a misspelt key would silently change the workload
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s.json: %w", base, err)
		}
	}
	doc := base + ".graphql"
	if s.Document != "" {
		doc = s.Document
	}
	text, err := os.ReadFile(filepath.Join(dir, doc))
	if err != nil {
		return nil, err
	}
	if err := oneOf("check", &s.Check, checkExact, checkNoErrors, checkShape); err != nil {
		return nil, err
	}
	if err := oneOf("send", &s.Send, sendText, sendPersisted); err != nil {
		return nil, err
	}
	if err := oneOf("role", &s.Role, roleManager, roleAdmin); err != nil {
		return nil, err
	}
	if s.Ceiling && s.CeilingStatements == 0 {
		s.CeilingStatements = 2
	}
	if s.Rotate != nil && (s.Rotate.SQL == "" || s.Send != sendText) {
		return nil, errors.New("rotate: want {\"as\": …, \"sql\": …}, sent as text")
	}
	if s.LostUpdate != nil && (s.LostUpdate.Writers < 1 || s.LostUpdate.Attempts < 1 || s.LostUpdate.SQL == "") {
		return nil, errors.New("lost_update: want {\"writers\": n, \"attempts\": n, \"sql\": …}")
	}
	for name, d := range s.Derive {
		if d.SQL == "" || (d.As != "cursor" && (d.As != "id" || d.Type == "")) {
			return nil, fmt.Errorf("derive %s: want {\"as\": \"cursor\", \"sql\": …} or {\"as\": \"id\", \"type\": T, \"sql\": …}", name)
		}
	}
	op := &operation{
		Name: orderPrefix.ReplaceAllString(base, ""), About: s.About, Document: doc,
		Variables: s.Variables, Statements: s.Statements, Ceiling: s.Ceiling, Check: s.Check, Send: s.Send,
		CeilingStatements: s.CeilingStatements, Rotate: s.Rotate, LostUpdate: s.LostUpdate, Role: s.Role,
		MaxConcurrency: s.MaxConcurrency, CeilingGoal: s.CeilingGoal,
		text: string(text), derive: s.Derive, employeeSQL: s.Employee,
	}
	return op, nil
}

// prepare computes the derived variables on the benchmark database and
// builds the request body.
func (op *operation) prepare(ctx context.Context, conn *pgx.Conn) error {
	if len(op.derive) > 0 && op.Variables == nil {
		op.Variables = map[string]any{}
	}
	for name, d := range op.derive {
		var key int64
		if err := conn.QueryRow(ctx, d.SQL).Scan(&key); err != nil {
			return fmt.Errorf("operation %s: derive %s: %w", op.Name, name, err)
		}
		if d.As == "cursor" {
			op.Variables[name] = page.Encode(page.ByID, []page.Value{page.IntValue(key)})
		} else {
			op.Variables[name] = store.GlobalID(d.Type, key)
		}
	}
	if op.employeeSQL != "" {
		var employee int64
		if err := conn.QueryRow(ctx, op.employeeSQL).Scan(&employee); err != nil {
			return fmt.Errorf("operation %s: employee: %w", op.Name, err)
		}
		header, err := mint(credential.jwt, op.Role, employee)
		if err != nil {
			return fmt.Errorf("operation %s: %w", op.Name, err)
		}
		op.header = header
	}
	if op.Rotate != nil {
		f, err := newFeeder(ctx, conn, op.Rotate)
		if err != nil {
			return fmt.Errorf("operation %s: %w", op.Name, err)
		}
		op.feed = &wrapped{f: f, text: op.text}
		return nil
	}
	req := map[string]any{"query": op.text}
	if len(op.Variables) > 0 {
		req["variables"] = op.Variables
	}
	if op.Send == sendPersisted {
		sum := sha256.Sum256([]byte(op.text))
		req["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		register, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("operation %s: %w", op.Name, err)
		}
		op.register = register
		delete(req, "query")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("operation %s: %w", op.Name, err)
	}
	op.body = body
	return nil
}

// levels are the concurrencies of op's cells among those asked for.
func (op *operation) levels(asked []int) []int {
	if op.MaxConcurrency <= 0 {
		return asked
	}
	return slices.DeleteFunc(slices.Clone(asked), func(c int) bool { return c > op.MaxConcurrency })
}

// writes reports whether op changes the database: its requests differ
// (Rotate), and it goes after every read.
func (op *operation) writes() bool { return op.Rotate != nil }

// request is the body of op's next request, and the slot to hand back
// with its answer (-1 for an operation that sends one body).
func (op *operation) request() ([]byte, int, error) {
	if op.feed == nil {
		return op.body, -1, nil
	}
	return op.feed.next()
}

// answered hands an answer back to the feeder that made its request.
func (op *operation) answered(slot, status int, body []byte) {
	if op.feed != nil {
		op.feed.answered(slot, status, body)
	}
}

// wrapped puts a feeder's variables into a request with op's text.
type wrapped struct {
	f    feeder
	text string
}

func (w *wrapped) next() ([]byte, int, error) {
	vars, slot, err := w.f.next()
	if err != nil {
		return nil, 0, err
	}
	body, err := json.Marshal(map[string]any{"query": w.text, "variables": json.RawMessage(vars)})
	if err != nil {
		w.f.answered(slot, 0, nil)
		return nil, 0, fmt.Errorf("request body: %w", err)
	}
	return body, slot, nil
}

func (w *wrapped) answered(slot, status int, body []byte) { w.f.answered(slot, status, body) }

// verdict says what is wrong with an answer to op, or nil.
func (op *operation) verdict(status int, body []byte) error {
	if status != 200 {
		return fmt.Errorf("status %d: %.200s", status, body)
	}
	if op.Check == checkExact {
		if !bytes.Equal(body, op.reference) {
			return fmt.Errorf("answer differs from the first (%d bytes, not %d)", len(body), len(op.reference))
		}
		return nil
	}
	if bytes.Contains(body, []byte(`"errors":`)) {
		return fmt.Errorf("errors in the answer: %.200s", body)
	}
	if op.Check == checkShape {
		if err := sameShape(op.reference, body); err != nil {
			return fmt.Errorf("not shaped like the first answer: %w: %.200s", err, body)
		}
	}
	return nil
}

// oneOf checks that setting *v is one of its values, the first its
// default when empty.
func oneOf(setting string, v *string, def string, others ...string) error {
	if *v == "" {
		*v = def
		return nil
	}
	if *v == def || slices.Contains(others, *v) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %q", setting, *v, append([]string{def}, others...))
}
