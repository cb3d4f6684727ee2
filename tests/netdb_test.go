package tests

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Parity tests for the name-service functions (getprotobyname,
// gethostbyaddr, gethostbyname(l), socket_addrinfo_*): tests/netdb/X.php and
// tests/netdb/X.lua print the same canonical text (nslib.php/nslib.lua), and
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
	want := nsRunMerged(t, nil, nsIsolated(php, nsPHPArgs(filepath.Join(dir, "netdb.php"))...)...)
	got := nsRunMerged(t, nil, nsIsolated(binPath, filepath.Join(dir, "netdb.lua"))...)
	nsCompareTranscripts(t, want, got)
}

// nsPHPArgs are the php-cli arguments that put warnings on stderr, unbuffered
// and without deprecation notices, as the probes run PHP.
func nsPHPArgs(script string, args ...string) []string {
	return append([]string{"-d", "display_errors=stderr", "-d", "log_errors=0",
		"-d", "error_reporting=E_ALL&~E_DEPRECATED", "-d", "output_buffering=0",
		"-d", "implicit_flush=1", script}, args...)
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

// nsRunMerged runs a command line (extra environment in env) with stderr
// merged into stdout, so the result's stdout is the interleaved transcript.
func nsRunMerged(t *testing.T, env []string, cmdline ...string) result {
	t.Helper()
	if env == nil {
		return runProgram(t, "", "/bin/sh", append([]string{"-c", `exec "$@" 2>&1`, "sh"}, cmdline...)...)
	}
	// runProgram has no environment parameter: pass it through env(1).
	full := append([]string{"-c", `exec "$@" 2>&1`, "sh", "env"}, env...)
	return runProgram(t, "", "/bin/sh", append(full, cmdline...)...)
}

// nsDiagnostic is a PHP-style diagnostic as PHP (display_errors=stderr) and
// sockrun print it.
var nsDiagnostic = regexp.MustCompile(`^(?:PHP )?(Warning|Notice|Fatal error): +(.*) in (.+) on line \d+$`)

// nsNormalize drops blank lines and the file and line of each warning (they
// differ by construction); every other byte must match.
func nsNormalize(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := nsDiagnostic.FindStringSubmatch(line); m != nil {
			line = m[1] + ": " + m[2]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// nsCompareTranscripts fails the test unless both runs succeeded and printed
// the same normalised transcript. The twins cut their output into sections
// ("== name" lines); each section is compared in a subtest of its own, so a
// report names every part where sockrun and PHP differ.
func nsCompareTranscripts(t *testing.T, php, sockrun result) {
	t.Helper()
	if php.code != 0 {
		t.Fatalf("php exited with status %d (the twin itself is broken); output:\n%s", php.code, php.stdout)
	}
	if sockrun.code != 0 {
		t.Errorf("sockrun exited with status %d; output:\n%s", sockrun.code, sockrun.stdout)
	}
	want, got := nsNormalize(php.stdout), nsNormalize(sockrun.stdout)
	wantNames, wantSecs := nsSections(want)
	gotNames, gotSecs := nsSections(got)
	if len(wantNames) < 2 {
		t.Fatalf("php printed no sections:\n%s", php.stdout)
	}
	if strings.Join(wantNames, "\n") != strings.Join(gotNames, "\n") {
		t.Errorf("the sections differ (- php, + sockrun):\n%s", nsDiff(strings.Join(wantNames, "\n"), strings.Join(gotNames, "\n")))
	}
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			if w, g := wantSecs[name], gotSecs[name]; w != g {
				t.Errorf("sockrun differs from php (- php, + sockrun):\n%s", nsDiff(strings.TrimSuffix(w, "\n"), strings.TrimSuffix(g, "\n")))
			}
		})
	}
}

// nsSections cuts a normalised transcript at its "== name" lines; what comes
// before the first one is the section "preamble".
func nsSections(s string) (names []string, text map[string]string) {
	text = map[string]string{}
	name := "preamble"
	names = append(names, name)
	for _, line := range strings.Split(s, "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = n
			for text[name] != "" || (name != "preamble" && nsContainsLine(names, name)) {
				name += "'"
			}
			names = append(names, name)
			continue
		}
		text[name] += line + "\n"
	}
	return names, text
}

// nsDiff is a minimal line diff (longest common subsequence) showing only
// the differing lines and one line of context around them.
func nsDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		mark byte
		line string
	}
	var ops []op
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, op{' ', x[i]})
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', y[j]})
			j++
		default:
			ops = append(ops, op{'-', x[i]})
			i++
		}
	}
	var sb strings.Builder
	for k, o := range ops {
		near := o.mark != ' ' ||
			(k > 0 && ops[k-1].mark != ' ') || (k+1 < len(ops) && ops[k+1].mark != ' ')
		if near {
			fmt.Fprintf(&sb, "%c %s\n", o.mark, o.line)
		} else if k > 0 && (ops[k-1].mark != ' ' || k < 2 || ops[k-2].mark != ' ') {
			sb.WriteString("  ...\n")
		}
	}
	return sb.String()
}
