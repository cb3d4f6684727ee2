package tests

// The parity harness: what every twin suite (a Lua script under sockrun
// beside its PHP twin under php-cli) shares. The twins print with one
// canonical printer pair, tests/lib/show.lua and tests/lib/show.php (the pack
// twin adds its exact number format, tests/pack); the runners (TestProbes,
// TestPHPKit, TestUDPTwin and the other datagram twins, TestNetdbParity,
// TestOptionsParity, TestDNSFlagParity, TestPackParity, and the tutorial's
// TestExample* for their warnings) run both with the flags below, normalise
// both transcripts the same way (normalizeTranscript), compare them whole or
// section by section (compareSections) and show a difference as one line
// diff (lineDiff). How to add a case: CONTRIBUTING.md.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// phpFlags is how the parity suites run php-cli: diagnostics on stderr (which
// the runners merge into stdout so that warnings keep their place), no log,
// no output buffering, and no deprecation notices (sockrun prints those
// always; PHP is told not to, and normalizeTranscript drops them when
// asked).
var phpFlags = []string{"-d", "display_errors=stderr", "-d", "log_errors=0",
	"-d", "error_reporting=E_ALL&~E_DEPRECATED", "-d", "output_buffering=0",
	"-d", "implicit_flush=1"}

// phpFlagsAllNotices is how the datagram twins run php-cli: deprecation
// notices printed too (their recorded transcripts hold what PHP 8.2 prints
// with its defaults).
var phpFlagsAllNotices = []string{"-d", "display_errors=stderr", "-d", "log_errors=0"}

// phpFlagsKit is how the PHP kit's suite runs php-cli: every diagnostic,
// plain text, on stderr kept apart (it compares stderr on its own).
var phpFlagsKit = []string{"-d", "display_errors=stderr", "-d", "log_errors=0",
	"-d", "error_reporting=E_ALL", "-d", "html_errors=0"}

// forEachTwin runs check in a parallel subtest, named after the case, for
// every dir/PATTERN.lua beside its twin dir/PATTERN.php: adding a case to
// such a suite is adding the pair.
func forEachTwin(t *testing.T, dir, pattern string, check func(t *testing.T, luaPath, phpPath string)) {
	t.Helper()
	luaFiles, err := filepath.Glob(filepath.Join(dir, pattern+".lua"))
	if err != nil || len(luaFiles) == 0 {
		t.Fatalf("no cases in %s (%v)", dir, err)
	}
	for _, luaPath := range luaFiles {
		name := strings.TrimSuffix(filepath.Base(luaPath), ".lua")
		phpPath := strings.TrimSuffix(luaPath, ".lua") + ".php"
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(phpPath); err != nil {
				t.Fatalf("%s has no PHP twin: %v", luaPath, err)
			}
			check(t, luaPath, phpPath)
		})
	}
}

// phpCommand is php-cli's arguments: the flags, then the script and its
// arguments (in a new slice: the flag lists are shared by parallel tests).
func phpCommand(flags []string, script string, args ...string) []string {
	return append(append(append([]string(nil), flags...), script), args...)
}

// runMerged runs a program with its stderr on the same pipe as its stdout,
// so that the result's stdout is the interleaved transcript.
func runMerged(t *testing.T, prog string, args ...string) result {
	t.Helper()
	return runMergedEnv(t, nil, append([]string{prog}, args...)...)
}

// runMergedEnv is runMerged for a whole command line, with extra environment
// variables ("NAME=value") in env.
func runMergedEnv(t *testing.T, env []string, cmdline ...string) result {
	t.Helper()
	if env == nil {
		return runProgram(t, "", "/bin/sh", append([]string{"-c", `exec "$@" 2>&1`, "sh"}, cmdline...)...)
	}
	// runProgram has no environment parameter: pass it through env(1).
	full := append([]string{"-c", `exec "$@" 2>&1`, "sh", "env"}, env...)
	return runProgram(t, "", "/bin/sh", append(full, cmdline...)...)
}

// diagnosticLine is a PHP-style diagnostic, as PHP (display_errors=stderr)
// and sockrun print them: "Warning: f(): text [errno]: message in FILE on
// line N".
var diagnosticLine = regexp.MustCompile(`^(?:PHP )?(Warning|Notice|Deprecated|Fatal error): +(.*) in (.+) on line \d+$`)

// normalizeTranscript keeps what both sides must agree on: every output
// line byte for byte, and of each diagnostic only "Warning: f(): text
// [errno]: message" (file names and line numbers differ by construction).
// Blank lines go (PHP surrounds diagnostics with them). With
// dropDeprecated, so do deprecation notices, for runs where PHP is told not
// to print them (phpFlags) and sockrun prints them always. The result ends
// with a newline.
func normalizeTranscript(s string, dropDeprecated bool) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := diagnosticLine.FindStringSubmatch(line); m != nil {
			if m[1] == "Deprecated" && dropDeprecated {
				continue
			}
			line = m[1] + ": " + m[2]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// compareSections fails the test unless both runs succeeded and printed the
// same normalised transcript. Twins that cut their output into sections
// ("== name" lines, see section() in tests/lib/show.lua) are compared
// section by section, each in a subtest of its own, so that a report names
// every part where sockrun and PHP differ. PHP must print at least
// minSections sections (the preamble counts), or the twin itself is broken.
func compareSections(t *testing.T, php, sockrun result, minSections int) {
	t.Helper()
	if php.code != 0 {
		t.Fatalf("php exited with status %d (the twin itself is broken); output:\n%s", php.code, php.stdout)
	}
	if sockrun.code != 0 {
		t.Errorf("sockrun exited with status %d; output:\n%s", sockrun.code, sockrun.stdout)
	}
	wantNames, wantSecs := transcriptSections(normalizeTranscript(php.stdout, false))
	gotNames, gotSecs := transcriptSections(normalizeTranscript(sockrun.stdout, false))
	if len(wantNames) < minSections {
		t.Fatalf("php printed %d sections, fewer than %d:\n%s", len(wantNames), minSections, php.stdout)
	}
	if w, g := strings.Join(wantNames, "\n"), strings.Join(gotNames, "\n"); w != g {
		t.Errorf("the sections differ (- php, + sockrun):\n%s", lineDiff(w, g))
	}
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			if w, g := wantSecs[name], gotSecs[name]; w != g {
				t.Errorf("sockrun differs from php (- php, + sockrun):\n%s", lineDiff(strings.TrimSuffix(w, "\n"), strings.TrimSuffix(g, "\n")))
			}
		})
	}
}

// transcriptSections cuts a normalised transcript at its "== name" lines;
// what comes before the first one is the section "preamble". A name seen
// before gets a "'" for each earlier use, so that no section hides another.
func transcriptSections(s string) (names []string, text map[string]string) {
	text = map[string]string{}
	name := "preamble"
	names = append(names, name)
	seen := map[string]bool{name: true}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = n
			for seen[name] {
				name += "'"
			}
			seen[name] = true
			names = append(names, name)
			continue
		}
		text[name] += line + "\n"
	}
	return names, text
}

// lineDiff renders a minimal line diff (longest common subsequence): lines
// only in a are marked "-", lines only in b "+", and up to three common lines
// around each change " "; "..." stands for the common lines left out.
func lineDiff(a, b string) string {
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
	type line struct {
		mark byte
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			lines = append(lines, line{' ', x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', x[i]})
			i++
		default:
			lines = append(lines, line{'+', y[j]})
			j++
		}
	}
	const context = 3
	near := func(k int) bool {
		for d := max(0, k-context); d < min(len(lines), k+context+1); d++ {
			if lines[d].mark != ' ' {
				return true
			}
		}
		return false
	}
	var sb strings.Builder
	elided := false
	for k, l := range lines {
		if l.mark == ' ' && !near(k) {
			if !elided {
				sb.WriteString("  ...\n")
				elided = true
			}
			continue
		}
		elided = false
		fmt.Fprintf(&sb, "%c %s\n", l.mark, l.text)
	}
	return sb.String()
}
