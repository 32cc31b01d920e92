package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The demo database gets the shipped operations on start; `documents
// import` adds a manifest's documents, all or none, and `documents list`
// shows both.
func TestDocuments_ImportAndList(t *testing.T) {
	bin := executable(t)
	dataDir := filepath.Join(reachableDir(t), "data")
	start(t, bin, nil, "DATA_DIR="+dataDir).stop(t)
	documents := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"documents"}, args...)...)
		cmd.Env = append(os.Environ(), "BIZGRAPH_MAIN=1", "DATABASE_URL=", "DATA_DIR="+dataDir, "LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	dir := t.TempDir()
	relay := filepath.Join(dir, "relay.json")
	bad := filepath.Join(dir, "bad.json")
	for file, text := range map[string]string{
		relay: `{"relay-1": "query RelayDepartments { departments(first: 1) { totalCount } }"}`,
		bad:   `{"bad-1": "query Fine { departments(first: 1) { totalCount } }", "bad-2": "{ noSuchField }"}`,
	} {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := documents("import", relay); err != nil || !strings.Contains(out, "1 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := documents("import", bad); err == nil || !strings.Contains(out, "bad-2") {
		t.Fatalf("import of an invalid document: %v\n%s", err, out)
	}
	out, err := documents("list")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	for _, want := range []string{"DepartmentHeadcount", "ProjectBudgetBurn", "relay-1", "RelayDepartments", "trusted"} {
		if !strings.Contains(out, want) {
			t.Errorf("list does not show %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "bad-1") {
		t.Errorf("a failed import left a document:\n%s", out)
	}
}
