package tests

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProbes is the PHP parity suite: every tests/probes/tNN_*.lua has a
// PHP twin tNN_*.php that does the same socket calls on loopback and prints
// the same lines (lib.php and lib.lua render values identically). Each pair
// runs once under php-cli and once under sockrun (arguments: a scratch
// directory and the port of a Go peer, see startSink), with stderr merged into
// stdout so that warnings keep their place; the two transcripts must match
// after normalising the warnings (see normalizeTranscript).
func TestProbes(t *testing.T) {
	php := requireTool(t, "php")
	dir := filepath.Join(rootDir, "tests", "probes")
	luaFiles, err := filepath.Glob(filepath.Join(dir, "t*.lua"))
	if err != nil || len(luaFiles) == 0 {
		t.Fatalf("no probes in %s (%v)", dir, err)
	}
	sink := startSink(t)
	for _, luaPath := range luaFiles {
		name := strings.TrimSuffix(filepath.Base(luaPath), ".lua")
		phpPath := strings.TrimSuffix(luaPath, ".lua") + ".php"
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(phpPath); err != nil {
				t.Fatalf("%s has no PHP twin: %v", luaPath, err)
			}
			want := runMerged(t, php, "-d", "display_errors=stderr", "-d", "log_errors=0",
				"-d", "error_reporting=E_ALL&~E_DEPRECATED", "-d", "output_buffering=0",
				"-d", "implicit_flush=1", phpPath, t.TempDir(), sink)
			got := runMerged(t, binPath, luaPath, t.TempDir(), sink)
			wantText, gotText := normalizeTranscript(want.stdout), normalizeTranscript(got.stdout)
			if want.code != 0 {
				t.Errorf("php exited with status %d (the probe itself is broken); output:\n%s", want.code, want.stdout)
			}
			if got.code != 0 {
				t.Errorf("sockrun exited with status %d", got.code)
			}
			if wantText != gotText {
				t.Errorf("sockrun's transcript differs from php's (- php, + sockrun):\n%s", lineDiff(wantText, gotText))
			}
		})
	}
}

// startSink starts a peer on 127.0.0.1 for probes that need a concurrent
// reader (a blocking write of megabytes): it reads each connection to EOF,
// answers with the number of bytes it got and a newline, and closes. It
// returns the port, which the probes get as their second argument.
func startSink(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(time.Minute))
				n, _ := io.Copy(io.Discard, conn)
				fmt.Fprintf(conn, "%d\n", n)
			}()
		}
	}()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// runMerged runs a program with its stderr on the same pipe as its stdout,
// so that the result's stdout is the interleaved transcript.
func runMerged(t *testing.T, prog string, args ...string) result {
	t.Helper()
	return runProgram(t, "", "/bin/sh", append([]string{"-c", `exec "$@" 2>&1`, "sh", prog}, args...)...)
}

// diagnosticLine is a PHP-style diagnostic, as PHP (display_errors=stderr)
// and sockrun print them: "Warning: f(): text [errno]: message in FILE on
// line N".
var diagnosticLine = regexp.MustCompile(`^(?:PHP )?(Warning|Notice|Deprecated|Fatal error): +(.*) in (.+) on line \d+$`)

// normalizeTranscript keeps what both sides must agree on: every output
// line, and of each warning only "Warning: f(): text [errno]: message"
// (file names and line numbers differ by construction). Blank lines go, and
// so do deprecation notices, which PHP is told not to print
// (error_reporting=E_ALL&~E_DEPRECATED) and sockrun always prints.
func normalizeTranscript(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := diagnosticLine.FindStringSubmatch(line); m != nil {
			if m[1] == "Deprecated" {
				continue
			}
			line = m[1] + ": " + m[2]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
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
