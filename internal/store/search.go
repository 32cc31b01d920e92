package store

import (
	"strings"
	"unicode/utf8"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/page"
)

// Search.
//
// The searchable lists (tables.go: customers, projects and employees) take
// `search: String`: words matched
// against a row's names, codes and emails. It is built on pg_trgm, not on
// PostgreSQL's full text search: what people type into a search box here
// are fragments of names ("acm"), codes ("PRJ-01"), email addresses and
// employee numbers, often misspelt. Full text search parses text into
// language-stemmed words, which breaks codes and addresses apart and
// matches neither fragments nor typos; trigrams match any substring (LIKE)
// and whole words with typos (word similarity), and one GIN index per table
// over the searched text answers both (migrations/00004).
//
// A row matches when its text contains the search string or a word of it
// is similar to the string (pg_trgm's word_similarity_threshold, 0.6).
// Without orderBy the list is ranked: an exact code, email or employee
// number first, then by word similarity, ties by id. The rank is a sort key
// like any other, so cursors page through a ranked list as through any
// ordering.

// searchable says how a table is searched.
type searchable struct {
	doc   string   // the searched text of row t, lower-cased: exactly the index's expression
	exact []string // columns whose exact match (ignoring case) ranks first
}

const maxSearchLen = 200

// rankKey is the sort key of a ranked search.
var rankKey = page.Key{Name: "RELEVANCE", Kind: page.Decimal, Desc: true}

// searchScope adds search term to o: the search string joins the
// statement once, as s.q (lower-cased) and s.p (its LIKE pattern), so the
// match and rank expressions refer to it without binding it again.
func (o *ordering) searchScope(term string, ranked bool) error {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil // an empty search box: the whole list
	}
	s := o.tbl.search
	if s == nil {
		return apperr.Invalid("search", "%s cannot be searched", o.tbl.name)
	}
	if !utf8.ValidString(term) || strings.ContainsRune(term, 0) || utf8.RuneCountInString(term) > maxSearchLen {
		return apperr.Invalid("search", "search must be text of at most %d characters", maxSearchLen)
	}
	o.from = " CROSS JOIN (SELECT lower(CAST(? AS text)) AS q, '%' || lower(CAST(? AS text)) || '%' AS p) s"
	o.fromArgs = []any{term, likeEscaper.Replace(term)}
	o.where = "(" + o.where + " AND (" + s.doc + " LIKE s.p OR s.q <% " + s.doc + "))"
	if ranked {
		var rank strings.Builder
		rank.WriteString("round((")
		for _, c := range s.exact {
			rank.WriteString("CASE WHEN lower(t." + c + ") = s.q THEN 1 ELSE 0 END + ")
		}
		rank.WriteString("word_similarity(s.q, " + s.doc + "))::numeric, 4)")
		o.rank = rank.String()
	}
	return nil
}
