package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"gorm.io/gorm"

	"github.com/bizgraph/bizgraph/internal/database"
)

// cacheSize bounds the documents a replica keeps in memory, each with its
// parsed AST (a few KB to tens of KB). Analytics tools and frontends use a
// few hundred operations; an automatic-mode server may see more, and the
// least recently used are read from the database again when needed.
const cacheSize = 2000

// refreshAfter is how long a replica trusts its cached copy of a document's
// attributes. A body never changes under its id, but an import may make an
// automatically persisted document trusted or give it a Cache-Control, on
// any replica; this bounds how long the others take to see it.
const refreshAfter = 5 * time.Minute

// Store holds the registered documents: PostgreSQL, with a bounded LRU in
// front that every lookup tries first.
type Store struct {
	db    *database.DB
	cache *lru.Cache[cacheKey, *Document]
}

// NewStore returns a Store over db.
func NewStore(db *database.DB) *Store {
	c, err := lru.New[cacheKey, *Document](cacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &Store{db: db, cache: c}
}

// cacheKey finds a document by its id, or a trusted document by its text's
// hash (trusted mode accepts the exact text of a trusted document). A struct,
// not a prefixed string: a lookup allocates nothing.
type cacheKey struct {
	byText bool
	v      string
}

func idKey(id string) cacheKey     { return cacheKey{v: id} }
func textKey(hash string) cacheKey { return cacheKey{byText: true, v: hash} }

// HashText is the hex SHA-256 of a document's text, as Apollo's clients
// compute it.
func HashText(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// row is a persisted_queries row.
type row struct {
	ID           string
	SHA256       string `gorm:"column:sha256"`
	Body         string
	Operation    string
	Name         *string
	Trusted      bool
	CacheControl *string
	CreatedAt    time.Time
	Inserted     bool // RETURNING (xmax = 0): the row is new
}

func (r row) document() *Document {
	d := &Document{ID: r.ID, SHA256: r.SHA256, Body: r.Body, Operation: r.Operation,
		Trusted: r.Trusted, CreatedAt: r.CreatedAt, loaded: time.Now()}
	if r.Name != nil {
		d.Name = *r.Name
	}
	if r.CacheControl != nil {
		d.CacheControl = *r.CacheControl
	}
	return d
}

const columns = `id, sha256, body, operation, name, trusted, cache_control, created_at`

// Get returns the document registered under id, or nil when there is none
// (or, with trustedOnly, none that is trusted).
func (s *Store) Get(ctx context.Context, id string, trustedOnly bool) (*Document, error) {
	return s.lookup(ctx, idKey(id), trustedOnly,
		`SELECT `+columns+` FROM persisted_queries WHERE id = ?`, id)
}

// GetTrustedText returns a trusted document whose text has the hex SHA-256
// hash, or nil.
func (s *Store) GetTrustedText(ctx context.Context, hash string) (*Document, error) {
	return s.lookup(ctx, textKey(hash), true,
		`SELECT `+columns+` FROM persisted_queries WHERE sha256 = ? AND trusted ORDER BY id LIMIT 1`, hash)
}

func (s *Store) lookup(ctx context.Context, key cacheKey, trustedOnly bool, query string, arg string) (*Document, error) {
	if d, ok := s.cache.Get(key); ok && (d.Trusted || !trustedOnly) && time.Since(d.loaded) < refreshAfter {
		return d, nil
	}
	var rows []row
	if err := s.db.WithContext(ctx).Raw(query, arg).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("look up persisted document: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	d := rows[0].document()
	if !d.Trusted {
		// Read from the database at most once per refreshAfter per
		// replica: the mark Sweep goes by.
		if err := s.db.WithContext(ctx).Exec(`UPDATE persisted_queries SET last_used_at = now() WHERE id = ?`,
			d.ID).Error; err != nil {
			return nil, fmt.Errorf("mark persisted document used: %w", err)
		}
	}
	if old, ok := s.cache.Peek(key); ok && old.Body == d.Body {
		d.parsed.Store(old.parsed.Load()) // same text: the same AST
	}
	s.cache.Add(key, d)
	if trustedOnly && !d.Trusted {
		return nil, nil
	}
	return d, nil
}

// Quota bounds the automatic registrations of one caller: at most N new
// documents per Window, counted in the database so that every replica
// enforces the same quota.
type Quota struct {
	N      int
	Window time.Duration
}

// DefaultQuota lets a developer's client register a new operation about
// every half minute for an hour; a client minting documents is stopped.
var DefaultQuota = Quota{N: 100, Window: time.Hour}

// ErrQuota is a registration over the caller's quota.
var ErrQuota = errors.New("too many documents registered by this caller: retry later")

// register stores an automatically persisted document (a valid document a
// client sent with its hash) as registered by caller, unless caller is over
// q. Registering one that exists changes nothing.
func (s *Store) register(ctx context.Context, d *Document, caller string, q Quota) error {
	if _, ok := s.cache.Get(idKey(d.ID)); ok {
		return nil
	}
	db := s.db.WithContext(ctx)
	// One statement: the quota is counted where the row is written.
	res := db.Exec(`INSERT INTO persisted_queries (id, sha256, body, operation, name, registered_by)
		SELECT ?, ?, ?, ?, NULLIF(?, ''), ?
		WHERE (SELECT count(*) FROM persisted_queries WHERE NOT trusted AND registered_by = ?
			AND created_at > now() - make_interval(secs => ?)) < ?
		ON CONFLICT (id) DO NOTHING`,
		d.ID, d.SHA256, d.Body, d.Operation, d.Name, caller, caller, q.Window.Seconds(), q.N)
	if res.Error != nil {
		return fmt.Errorf("register persisted document: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM persisted_queries WHERE id = ?`, d.ID).Scan(&n).Error; err != nil {
			return fmt.Errorf("register persisted document: %w", err)
		}
		if n == 0 {
			return ErrQuota
		}
	}
	d.loaded = time.Now()
	d.pending = false
	s.cache.Add(idKey(d.ID), d)
	return nil
}

// DefaultExpiry is how long an automatic document may go unused before
// Sweep removes it; a client that sends it again registers it again.
const DefaultExpiry = 30 * 24 * time.Hour

// Sweep deletes the automatic documents no replica has read for unused,
// and returns how many. Trusted documents never expire.
func (s *Store) Sweep(ctx context.Context, unused time.Duration) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM persisted_queries
		WHERE NOT trusted AND last_used_at < now() - make_interval(secs => ?)`, unused.Seconds())
	if res.Error != nil {
		return 0, fmt.Errorf("sweep unused persisted documents: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added   int // new ids
	Updated int // ids already there (made trusted, name and Cache-Control set)
}

// ErrChangedBody is an import that would give an existing id another text:
// clients and caches rely on an id always meaning the same document.
var ErrChangedBody = errors.New("a different document is already registered under this id")

// Import registers ops as trusted documents, all or none. Each must parse
// and validate against schema, so a bad manifest fails here, not when a
// client first sends its id.
func (s *Store) Import(ctx context.Context, schema *ast.Schema, ops []Operation) (ImportResult, error) {
	docs := make([]*Document, 0, len(ops))
	for _, op := range ops {
		d, err := checkDocument(schema, op)
		if err != nil {
			return ImportResult{}, err
		}
		docs = append(docs, d)
	}
	var res ImportResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, d := range docs {
			var rows []row
			err := tx.Raw(`INSERT INTO persisted_queries AS p (id, sha256, body, operation, name, trusted, cache_control)
				VALUES (?, ?, ?, ?, NULLIF(?, ''), true, NULLIF(?, ''))
				ON CONFLICT (id) DO UPDATE SET trusted = true,
					name = COALESCE(EXCLUDED.name, p.name), cache_control = EXCLUDED.cache_control
				WHERE p.body = EXCLUDED.body
				RETURNING (xmax = 0) AS inserted`,
				d.ID, d.SHA256, d.Body, d.Operation, d.Name, d.CacheControl).Scan(&rows).Error
			if err != nil {
				return fmt.Errorf("import document %q: %w", d.ID, err)
			}
			switch {
			case len(rows) == 0:
				return fmt.Errorf("import document %q: %w", d.ID, ErrChangedBody)
			case rows[0].Inserted:
				res.Added++
			default:
				res.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	for _, d := range docs {
		s.cache.Remove(idKey(d.ID))
		s.cache.Remove(textKey(d.SHA256))
	}
	return res, nil
}

// checkDocument parses and validates op, and returns it as a trusted
// document.
func checkDocument(schema *ast.Schema, op Operation) (*Document, error) {
	if op.ID == "" {
		return nil, fmt.Errorf("document %q has no id", op.Name)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: op.Body})
	if err != nil {
		return nil, fmt.Errorf("document %q does not parse: %w", op.ID, err)
	}
	if errs := validator.Validate(schema, doc); len(errs) > 0 {
		return nil, fmt.Errorf("document %q is not valid against the schema: %w", op.ID, errs)
	}
	if len(doc.Operations) == 0 {
		return nil, fmt.Errorf("document %q has no operation", op.ID)
	}
	name := op.Name
	if name == "" {
		name = doc.Operations[0].Name
	}
	return &Document{ID: op.ID, SHA256: HashText(op.Body), Body: op.Body, Operation: string(operationOf(doc)),
		Name: name, Trusted: true, CacheControl: op.CacheControl}, nil
}

// operationOf is the document's kind for people and for GET: query only
// when every operation in it is one.
func operationOf(doc *ast.QueryDocument) ast.Operation {
	for _, op := range doc.Operations {
		if op.Operation != ast.Query {
			return op.Operation
		}
	}
	return ast.Query
}

// List returns every registered document, trusted first, by name and id.
func (s *Store) List(ctx context.Context) ([]*Document, error) {
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT ` + columns + ` FROM persisted_queries
		ORDER BY trusted DESC, name NULLS LAST, id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list persisted documents: %w", err)
	}
	docs := make([]*Document, len(rows))
	for i, r := range rows {
		docs[i] = r.document()
	}
	return docs, nil
}
