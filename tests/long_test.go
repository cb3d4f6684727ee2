package tests

import (
	"os"
	"testing"
)

// requireLong skips a long soak or load run unless SOCKRUN_LONG is set
// (.ci/run sets it) and -short is not given, so that `go test ./...` stays
// fast enough to run dozens of times a day while CI still runs everything.
func requireLong(t *testing.T) {
	t.Helper()
	if os.Getenv("SOCKRUN_LONG") == "" || testing.Short() {
		t.Skip("long run: set SOCKRUN_LONG=1 (as .ci/run does) to run it")
	}
}
