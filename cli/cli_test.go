package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A script blocked where the engine cannot wake it (opening a FIFO nobody
// writes) is abandoned after the grace time: Main returns 124 with the
// message printed once, and the process would exit.
func TestTimeoutHardBound(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	var out, errOut bytes.Buffer
	start := time.Now()
	status := Main([]string{"--timeout", "200ms", "-e", `io.open("` + fifo + `"):read("*a")`}, strings.NewReader(""), &out, &errOut)
	elapsed := time.Since(start)
	// Let the abandoned goroutine go: it now reads EOF and ends.
	if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		w.Close()
	}
	if status != 124 || strings.Count(errOut.String(), "sockrun: timed out after 200ms\n") != 1 {
		t.Fatalf("status %d, stderr %q; want 124 and the message once", status, errOut.String())
	}
	if elapsed > 10*time.Second {
		t.Fatalf("took %v after a 200ms timeout", elapsed)
	}
}

// A script waiting for a child process ends at the timeout: the child is
// killed, so the script's own goroutine ends it normally.
func TestTimeoutKillsChildren(t *testing.T) {
	var out, errOut bytes.Buffer
	start := time.Now()
	status := Main([]string{"--timeout", "200ms", "-e", `os.execute("sleep 30") print("after")`}, strings.NewReader(""), &out, &errOut)
	if status != 124 || errOut.String() != "sockrun: timed out after 200ms\n" || out.String() != "" {
		t.Fatalf("status %d, stdout %q, stderr %q", status, out.String(), errOut.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestLimitMaxMemoryUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if status := Main([]string{"--max-memory", "12x", "-e", ""}, strings.NewReader(""), &out, &errOut); status != 2 ||
		!strings.Contains(errOut.String(), `sockrun: --max-memory: invalid size "12x"`) {
		t.Fatalf("status %d, stderr %q", status, errOut.String())
	}
	out.Reset()
	if status := Main([]string{"--help"}, strings.NewReader(""), &out, &errOut); status != 0 ||
		!strings.Contains(out.String(), "--max-memory SIZE") {
		t.Fatalf("--help does not document --max-memory:\n%s", out.String())
	}
}
