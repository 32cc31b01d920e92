package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// Comments and whitespace are not tokens, so the token limit alone let a
// one-token document carry a megabyte of comment into the parser and the
// document cache (issue 21, finding 4): the byte limit refuses it.
func TestLimits_CommentPaddedDocumentRefusedByBytes(t *testing.T) {
	// A body limit above the document limit, to show the document limit.
	srv, db := httpapitest.NewServer(t, service.Config{MaxBodyBytes: 4 << 20})
	before := db.Statements()
	r := post("{ __typename }\n#"+strings.Repeat("x", 1<<20)).send(t, srv, mediaGraphQL)
	if r.Status != http.StatusBadRequest || r.Code() != apperr.QueryTooLarge {
		t.Fatalf("a 1 MB comment: %d %.300s, want 400 %s", r.Status, r.Body, apperr.QueryTooLarge)
	}
	if n := db.Statements() - before; n != 0 {
		t.Fatalf("the refused document sent %d statements", n)
	}
}

// chains is an `or` of n relation chains five hops deep (project →
// customer → account manager → department → parent → parent), each ending
// in one text condition: 6n conditions, so 15 chains are under the
// filter's limit of 100 conditions, yet each hop is a subquery per row.
func chains(n int) string {
	c := `{"customer":{"accountManager":{"department":{"parent":{"parent":{"name":{"contains":"x"}}}}}}}`
	return `{"or":[` + strings.TrimSuffix(strings.Repeat(c+",", n), ",") + `]}`
}

// Relation hops inside filters count against MAX_FILTER_HOPS (issue 21,
// finding 5): the 15-chain filter, alone or aliased 15 times, is refused
// before any SQL, while the one- and two-hop filters clients use run.
func TestLimits_FilterHopsRefusedBeforeSQL(t *testing.T) {
	srv, db := httpapitest.NewServer(t, service.Config{})
	// aliased is n aliases of a projects field filtered by $f.
	aliased := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("p" + string(rune('a'+i)) + `: projects(first: 1, filter: $f) { totalCount } `)
		}
		return b.String()
	}
	one := `query($f: ProjectFilter) { ` + aliased(1) + `}`
	for _, tt := range []struct {
		name, query, filter string
		code                string
	}{
		{"one hop", one, `{"customer":{"name":{"contains":"a"}}}`, ""},
		{"two hops", one, `{"customer":{"accountManager":{"lastName":{"startsWith":"a"}}}}`, ""},
		{"two hops in each arm of an or", one,
			`{"or":[{"customer":{"accountManager":{"lastName":{"startsWith":"a"}}}},{"manager":{"department":{"name":{"contains":"a"}}}}]}`, ""},
		{"15 chains five hops deep", one, chains(15), apperr.TooManyFilterHops},
		{"15 aliases of 15 chains", `query($f: ProjectFilter) { ` + aliased(15) + `}`, chains(15), apperr.TooManyFilterHops},
		// Four one-chain fields (20 hops) written once, in a fragment.
		{"hops in a fragment", `query($f: ProjectFilter) { ...F } fragment F on Query { ` + aliased(4) + `}`, chains(1),
			apperr.TooManyFilterHops},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := db.Statements()
			r := post(tt.query, `,"variables":{"f":`+tt.filter+`}`).send(t, srv, mediaGraphQL)
			if tt.code == "" {
				if r.Status != http.StatusOK || len(r.Errors) > 0 {
					t.Fatalf("an ordinary filter: %d %.500s", r.Status, r.Body)
				}
				return
			}
			if r.Status != http.StatusBadRequest || r.Code() != tt.code {
				t.Fatalf("%d %.500s, want 400 %s", r.Status, r.Body, tt.code)
			}
			if n := db.Statements() - before; n != 0 {
				t.Fatalf("the refused operation sent %d statements", n)
			}
		})
	}
}
