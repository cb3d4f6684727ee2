package script

// Stop (Ctrl-C, --timeout) ending blocked calls.

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Stop (Ctrl-C, --timeout) interrupts a select blocked with no timeout, a
// blocking read and a blocking accept, and closes every socket.
func TestTimeoutInterruptsBlockingCalls(t *testing.T) {
	for name, code := range map[string]string{
		"select": pairLua + `local srv, cli, conn = pair(); socket_select({conn}, nil, nil, nil)`,
		"read":   pairLua + `local srv, cli, conn = pair(); socket_read(conn, 10)`,
		"line":   pairLua + `local srv, cli, conn = pair(); socket_write(cli, "partial"); socket_read(conn, 10, PHP_NORMAL_READ)`,
		"accept": `socket_accept(socket_create_listen(0))`,
		"recv":   pairLua + `local srv, cli, conn = pair(); socket_recv(conn, 10, MSG_WAITALL)`,
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			start := time.Now()
			status := Main([]string{"--timeout", "150ms", "-e", code}, nil, &out, &errOut)
			if status != ExitTimeout {
				t.Fatalf("status %d, want %d; stderr %q", status, ExitTimeout, errOut.String())
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to stop", d)
			}
			if !strings.Contains(errOut.String(), "timed out after 150ms") {
				t.Errorf("stderr %q does not say why it ended", errOut.String())
			}
		})
	}
}
