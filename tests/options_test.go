package tests

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestOptionsParity runs tests/netdb/options.{php,lua} under php-cli and
// sockrun and compares them option by option: every socket option of the
// reference's section 3 that Linux has (SOL_SOCKET, SOL_TCP, IPPROTO_IP,
// IPPROTO_IPV6, the MCAST_* group requests), set to good, odd and bad values
// and read back, the misuse errors, and what V6ONLY, RCVTIMEO, LINGER and
// BINDTODEVICE do. Kernel-dependent values (buffer sizes, timeout rounding,
// the default congestion control) need no golden file: both interpreters
// ask the same kernel. Both run in a fresh network namespace (only lo), so
// interface indexes and multicast routes are the same everywhere.
func TestOptionsParity(t *testing.T) {
	t.Parallel()
	php := requireTool(t, "php")
	nsRequireIsolation(t)
	dir := filepath.Join(rootDir, "tests", "netdb")
	want := runMergedEnv(t, nil, nsIsolated(php, nsPHPArgs(filepath.Join(dir, "options.php"))...)...)
	got := runMergedEnv(t, nil, nsIsolated(binPath, filepath.Join(dir, "options.lua"))...)
	compareSections(t, want, got, 2)
}

// TestOptionsContract checks, on sockrun alone (no PHP, no namespace), the
// option values API.md and the reference spell out, so that they hold even
// where the parity test is skipped.
func TestOptionsContract(t *testing.T) {
	t.Parallel()
	script := writeFile(t, "opts.lua", `
dofile(arg[1] .. "/../lib/show.lua")
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
show("reuseaddr", socket_get_option(s, SOL_SOCKET, SO_REUSEADDR))
show("set 5", socket_set_option(s, SOL_SOCKET, SO_REUSEADDR, 5), socket_get_option(s, SOL_SOCKET, SO_REUSEADDR))
show("type", socket_get_option(s, SOL_SOCKET, SO_TYPE), socket_get_option(s, SOL_SOCKET, SO_ERROR))
show("rcvtimeo", socket_get_option(s, SOL_SOCKET, SO_RCVTIMEO))
show("linger", socket_get_option(s, SOL_SOCKET, SO_LINGER))
show("set rcvtimeo", socket_set_option(s, SOL_SOCKET, SO_RCVTIMEO, {sec = 0, usec = 300000}), socket_get_option(s, SOL_SOCKET, SO_RCVTIMEO))
show("set linger", socket_set_option(s, SOL_SOCKET, SO_LINGER, {l_onoff = 1, l_linger = 2}), socket_get_option(s, SOL_SOCKET, SO_LINGER))
attempt("rcvtimeo number", function() return socket_set_option(s, SOL_SOCKET, SO_RCVTIMEO, 5) end)
attempt("rcvtimeo no usec", function() return socket_set_option(s, SOL_SOCKET, SO_RCVTIMEO, {sec = 1}) end)
show("set 9999", socket_set_option(s, SOL_SOCKET, 9999, 1), socket_last_error(s))
show("get 9999", socket_get_option(s, SOL_SOCKET, 9999))
show("congestion", socket_set_option(s, SOL_TCP, TCP_CONGESTION, "reno"), socket_get_option(s, SOL_TCP, TCP_CONGESTION))
attempt("ttl 256", function() return socket_set_option(s, IPPROTO_IP, IP_MULTICAST_TTL, 256) end)
show("notsent_lowat", socket_set_option(s, SOL_TCP, TCP_NOTSENT_LOWAT, 16384), socket_get_option(s, SOL_TCP, TCP_NOTSENT_LOWAT))
`)
	r := runMergedEnv(t, nil, binPath, script, filepath.Join(rootDir, "tests", "netdb"))
	want := []string{
		"reuseaddr: 0",
		"set 5: true, 1",
		"type: 1, 0",
		"rcvtimeo: {sec=0, usec=0}",
		"linger: {l_linger=0, l_onoff=0}",
		"set rcvtimeo: true, {sec=0, usec=300000}",
		"set linger: true, {l_linger=2, l_onoff=1}",
		`rcvtimeo number: error: socket_set_option(): Argument #4 ($value) must have key "sec"`,
		`rcvtimeo no usec: error: socket_set_option(): Argument #4 ($value) must have key "usec"`,
		"Warning: socket_set_option(): Unable to set socket option [92]: Protocol not available in " + script + " on line 13",
		"set 9999: false, 92",
		"Warning: socket_get_option(): Unable to retrieve socket option [92]: Protocol not available in " + script + " on line 14",
		"get 9999: false",
		`congestion: true, {name="reno"}`,
		"ttl 256: error: socket_set_option(): Argument #4 ($value) must be between 0 and 255",
		// A deliberate difference: PHP 8.2 sends SOL_TCP's option 25 as an
		// empty string (it is SO_BINDTODEVICE's number) and fails with [22].
		"notsent_lowat: true, 16384",
	}
	if r.code != 0 || strings.TrimSpace(r.stdout) != strings.Join(want, "\n") {
		t.Errorf("status %d, output (- want, + got):\n%s", r.code, lineDiff(strings.Join(want, "\n"), strings.TrimSpace(r.stdout)))
	}
}
