package tests

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TestProbes is the PHP parity suite: every tests/probes/tNN_*.lua has a
// PHP twin tNN_*.php that does the same socket calls on loopback and prints
// the same lines (tests/lib/show.php and show.lua render values identically). Each pair
// runs once under php-cli and once under sockrun (arguments: a scratch
// directory and the port of a Go peer, see startSink), with stderr merged into
// stdout so that warnings keep their place; the two transcripts must match
// after normalising the warnings (see normalizeTranscript in parity_test.go).
func TestProbes(t *testing.T) {
	php := requireTool(t, "php")
	sink := startSink(t)
	forEachTwin(t, filepath.Join(rootDir, "tests", "probes"), "t*", func(t *testing.T, luaPath, phpPath string) {
		want := runMerged(t, php, phpCommand(phpFlags, phpPath, t.TempDir(), sink)...)
		got := runMerged(t, binPath, luaPath, t.TempDir(), sink)
		wantText, gotText := normalizeTranscript(want.stdout, true), normalizeTranscript(got.stdout, true)
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
