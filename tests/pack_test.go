package tests

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Parity test for pack() and unpack(): tests/pack/pack.php and
// tests/pack/pack.lua run every case of tests/pack/cases.txt (every format
// code, its edge values, repeaters and '*', positioning, key naming, every
// error and warning) and print one canonical transcript; php-cli's and
// sockrun's must match byte for byte, warnings included at their place
// (without "in FILE on line N").

// TestPackParity runs the twins under both interpreters.
func TestPackParity(t *testing.T) {
	t.Parallel()
	php := requireTool(t, "php")
	dir := filepath.Join(rootDir, "tests", "pack")
	want := pkRunMerged(t, php, "-d", "display_errors=stderr", "-d", "log_errors=0",
		"-d", "error_reporting=E_ALL&~E_DEPRECATED", "-d", "output_buffering=0",
		filepath.Join(dir, "pack.php"))
	got := pkRunMerged(t, binPath, filepath.Join(dir, "pack.lua"))
	if want.code != 0 {
		t.Fatalf("php exited with status %d (the twin itself is broken); output:\n%s", want.code, want.stdout)
	}
	if got.code != 0 {
		t.Errorf("sockrun exited with status %d; output:\n%s", got.code, pkTail(got.stdout, 20))
	}
	wantNames, wantSecs := pkSections(pkNormalize(want.stdout))
	gotNames, gotSecs := pkSections(pkNormalize(got.stdout))
	if len(wantNames) < 10 {
		t.Fatalf("php printed too few sections (%d):\n%s", len(wantNames), want.stdout)
	}
	if w, g := strings.Join(wantNames, "\n"), strings.Join(gotNames, "\n"); w != g {
		t.Errorf("the sections differ:\nphp:\n%s\nsockrun:\n%s", w, g)
	}
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			if w, g := wantSecs[name], gotSecs[name]; w != g {
				t.Errorf("sockrun differs from php:\n%s", pkFirstDifference(w, g))
			}
		})
	}
}

// TestBitInBinary checks that the real binary loads the bit module as a
// global and as require("bit"), next to pack and unpack.
func TestBitInBinary(t *testing.T) {
	t.Parallel()
	r := runSockrun(t, "-e", `
		local b = require("bit")
		echo(tostring(b == bit), " ", bit.tohex(bit.bswap(0x12345678)), " ", bit.tobit(0xffffffff), " ")
		echo(unpack("Nlen/a*data", pack("Na*", 5, "hello")).data, " ", table.concat({unpack({1, 2})}, ","), "\n")`)
	if r.code != 0 || r.stdout != "true 78563412 -1 hello 1,2\n" {
		t.Errorf("status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// pkRunMerged runs a program with its stderr merged into stdout, so warnings
// sit where they were printed.
func pkRunMerged(t *testing.T, prog string, args ...string) result {
	t.Helper()
	return runProgram(t, "", "/bin/sh", append([]string{"-c", `exec "$@" 2>&1`, "sh", prog}, args...)...)
}

// pkDiagnostic is a PHP-style diagnostic as php-cli (display_errors=stderr)
// and sockrun print it.
var pkDiagnostic = regexp.MustCompile(`^(?:PHP )?(Warning|Notice|Deprecated|Fatal error): +(.*) in (.+) on line \d+$`)

// pkNormalize drops blank lines (PHP surrounds each diagnostic with them)
// and the file and line of each diagnostic; every other byte must match.
func pkNormalize(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := pkDiagnostic.FindStringSubmatch(line); m != nil {
			line = m[1] + ": " + m[2]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// pkSections cuts a transcript at its "== name" lines; what comes before the
// first one is the section "preamble".
func pkSections(s string) (names []string, text map[string]string) {
	text = map[string]string{}
	name := "preamble"
	names = append(names, name)
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = n
			names = append(names, name)
			continue
		}
		text[name] += line + "\n"
	}
	return names, text
}

// pkFirstDifference shows where two transcripts part: the first differing
// line of each, with the lines before it for context.
func pkFirstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-4)
	var sb strings.Builder
	for _, line := range w[from:i] {
		fmt.Fprintf(&sb, "  %s\n", line)
	}
	if i < len(w) {
		fmt.Fprintf(&sb, "- %s   (php)\n", w[i])
	}
	if i < len(g) {
		fmt.Fprintf(&sb, "+ %s   (sockrun)\n", g[i])
	}
	return sb.String()
}

// pkTail is the last n lines of s.
func pkTail(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
