package httpapi_test

import (
	"flag"
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// A fuzzing worker runs only the fuzz target, which reads requests
	// without a database: starting one per worker would only slow it.
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	os.Exit(httpapitest.Main(m))
}
