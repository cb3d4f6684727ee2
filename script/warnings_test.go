package script

// PHP-style warnings and --quiet.

import (
	"strings"
	"testing"
)

// --quiet silences warnings but not errors.
func TestQuietSilencesWarnings(t *testing.T) {
	var errOut strings.Builder
	status := Main([]string{"-q", "-e", `local s = socket_create(AF_INET, SOCK_STREAM, 0); echo(tostring(socket_connect(s, "127.0.0.1", 1)))`}, nil, &strings.Builder{}, &errOut)
	if status != 0 || errOut.Len() != 0 {
		t.Fatalf("status %d, stderr %q; want 0 and nothing", status, errOut.String())
	}
}
