package tests

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Parity tests for the name-service functions (getprotobyname,
// gethostbyaddr, gethostbyname(l), socket_addrinfo_*): tests/netdb/X.php and
// tests/netdb/X.lua print the same canonical text (tests/lib/show.{php,lua}), and
// php-cli and sockrun must print it byte for byte alike, warnings included
// (at their place, without "in FILE on line N").
//
// Both run in a fresh network namespace where only lo is up: "localhost" is
// in /etc/hosts, but an AF_INET6 "localhost" or a reverse lookup of ::1 goes
// on to DNS, and no lookup may leave the machine.

// TestNetdbParity runs tests/netdb/netdb.{php,lua} under both interpreters.
func TestNetdbParity(t *testing.T) {
	t.Parallel()
	php := requireTool(t, "php")
	nsRequireIsolation(t)
	dir := filepath.Join(rootDir, "tests", "netdb")
	want := runMergedEnv(t, nil, nsIsolated(php, nsPHPArgs(filepath.Join(dir, "netdb.php"))...)...)
	got := runMergedEnv(t, nil, nsIsolated(binPath, filepath.Join(dir, "netdb.lua"))...)
	compareSections(t, want, got, 2)
}

// nsPHPArgs are the php-cli arguments of the netdb twins (phpFlags) and
// the script with its arguments.
func nsPHPArgs(script string, args ...string) []string {
	return phpCommand(phpFlags, script, args...)
}

var (
	nsIsolationOnce sync.Once
	nsIsolationErr  error
)

// nsRequireIsolation skips the test when this machine cannot make a network
// namespace (unshare -n needs root or user namespaces).
func nsRequireIsolation(t *testing.T) {
	t.Helper()
	nsIsolationOnce.Do(func() {
		out, err := exec.Command("unshare", "-n", "sh", "-c", "ip link set lo up && ip -o addr show lo").CombinedOutput()
		if err != nil {
			nsIsolationErr = fmt.Errorf("unshare -n: %v: %s", err, out)
		} else if !strings.Contains(string(out), "127.0.0.1") {
			nsIsolationErr = fmt.Errorf("no 127.0.0.1 on lo in a new network namespace: %s", out)
		}
	})
	if nsIsolationErr != nil {
		t.Skipf("skipping the PHP comparison: cannot isolate lookups in a network namespace (%v)", nsIsolationErr)
	}
}

// nsIsolated is the command line that runs prog in a new network namespace
// with only lo up.
func nsIsolated(prog string, args ...string) []string {
	return append([]string{"unshare", "-n", "sh", "-c", `ip link set lo up && exec "$@"`, "sh", prog}, args...)
}
