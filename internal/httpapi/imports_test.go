package httpapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The HTTP layer speaks HTTP to an executor it is handed: neither it nor
// anything it imports reaches the schema, the store, the analytics or the
// policy, which internal/service composes.
func TestImports_HTTPBuildsNoneOfWhatItServes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/bizgraph/bizgraph/internal/httpapi").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list gave %d packages: %q", len(deps), deps)
	}
	for _, d := range deps {
		for _, banned := range []string{"graph", "internal/store", "internal/analytics", "internal/policy", "internal/service"} {
			if d == "github.com/bizgraph/bizgraph/"+banned || strings.HasPrefix(d, "github.com/bizgraph/bizgraph/"+banned+"/") {
				t.Errorf("internal/httpapi depends on %s", d)
			}
		}
	}
}
