package persisted

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
)

// DocumentCache keeps parsed and validated documents sent as text, keyed by
// their SHA-256 (not their text), within a budget of bytes: the sum of the
// texts' lengths, a proxy for their ASTs, which grow with the text. The
// least recently used documents leave first; one longer than the whole
// budget is parsed every time instead of emptying the cache. Wrap it with
// QueryCache, which keeps persisted documents' ASTs with them.
type DocumentCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	lru    *simplelru.LRU[[sha256.Size]byte, cached]
}

type cached struct {
	doc   *ast.QueryDocument
	bytes int64
}

var _ graphql.Cache[*ast.QueryDocument] = (*DocumentCache)(nil)

// NewDocumentCache keeps documents up to budget bytes of text in all.
func NewDocumentCache(budget int64) *DocumentCache {
	c := &DocumentCache{budget: budget}
	// The budget in bytes is the bound; the LRU's own count bound only
	// has to be out of the way.
	c.lru, _ = simplelru.NewLRU[[sha256.Size]byte, cached](1<<31-1, func(_ [sha256.Size]byte, v cached) {
		c.used -= v.bytes
	})
	return c
}

// Get returns the parsed document of query, if kept.
func (c *DocumentCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	k := sha256.Sum256([]byte(query))
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.lru.Get(k)
	return v.doc, ok
}

// Add keeps doc, the parsed document of query, evicting the least recently
// used documents until it fits the budget.
func (c *DocumentCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	n := int64(len(query))
	if n > c.budget {
		return
	}
	k := sha256.Sum256([]byte(query))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(k)
	for c.used+n > c.budget {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
	c.lru.Add(k, cached{doc: doc, bytes: n})
	c.used += n
}

// Bytes is the length of the texts of the documents kept.
func (c *DocumentCache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
