package script

// The in-process helpers every test of the package uses (runLua, mustRun,
// pairLua), and what the Runtime does when a script ends.

import (
	"bytes"
	"strings"
	"testing"
)

// runLua runs a chunk in-process through the CLI and returns what it printed
// and its exit status.
func runLua(t *testing.T, code string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append([]string{"--timeout", "60s", "-e", code}, args...)
	status = Main(argv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), status
}

// mustRun runs a chunk that must end normally and returns its stdout.
func mustRun(t *testing.T, code string) string {
	t.Helper()
	out, errOut, status := runLua(t, code)
	if status != 0 {
		t.Fatalf("status %d; stdout:\n%s\nstderr:\n%s", status, out, errOut)
	}
	return out
}

// pairLua sets up srv, cli, conn: a connected TCP pair on 127.0.0.1.
const pairLua = `
local function pair()
  local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
  assert(socket_bind(srv, "127.0.0.1", 0))
  assert(socket_listen(srv, 16))
  local _, _, port = socket_getsockname(srv)
  local cli = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
  assert(socket_connect(cli, "127.0.0.1", port))
  local conn = assert(socket_accept(srv))
  return srv, cli, conn, port
end
`

// Every socket the script left open is closed when it ends.
func TestSocketsClosedAtExit(t *testing.T) {
	rt := mustNew(Options{})
	status := rt.RunSource([]byte(pairLua+`pair(); pair(); socket_create_listen(0)`), "t.lua", nil)
	if status != 0 || rt.eng.OpenSockets() != 7 {
		t.Fatalf("status %d, %d sockets open before Close, want 7", status, rt.eng.OpenSockets())
	}
	rt.Close()
	if n := rt.eng.OpenSockets(); n != 0 {
		t.Fatalf("%d sockets still open after Close", n)
	}
}
