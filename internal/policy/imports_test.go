package policy_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The rules are decided from plain values, so writes, events and webhooks
// can ask them outside a resolver: the package depends on no part of the
// GraphQL executor or parser (its tests may).
func TestImports_NoGraphQLExecutor(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || deps[len(deps)-1] != "github.com/bizgraph/bizgraph/internal/policy" {
		t.Fatalf("go list -deps listed %d packages ending in %q: not the policy's dependencies", len(deps), deps[len(deps)-1])
	}
	for _, p := range deps {
		for _, banned := range []string{"github.com/99designs/gqlgen", "github.com/vektah/gqlparser"} {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("internal/policy depends on %s", p)
			}
		}
	}
}
