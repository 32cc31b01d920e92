package httpapi_test

import (
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }
