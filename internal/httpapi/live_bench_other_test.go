//go:build !unix

package httpapi_test

// raiseFileLimit: no per-process limit of open files to raise here.
func raiseFileLimit() uint64 { return 1 << 62 }
