package script

import (
	"os"
	"testing"
)

// longRuns reports whether the long soak runs are wanted at full size:
// SOCKRUN_LONG set (.ci/run sets it) and no -short. Without it `go test
// ./...` stays fast enough to run dozens of times a day; the same tests
// still run, smaller.
func longRuns() bool {
	return os.Getenv("SOCKRUN_LONG") != "" && !testing.Short()
}
