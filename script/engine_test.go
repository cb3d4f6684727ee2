package script

import (
	"strings"
	"testing"
)

// Regression tests for the defects of the goroutine-per-wait engine, each
// attacking the way it was found.

// A task waiting in socket_read(a) while another task sets SO_RCVTIMEO on a
// was a data race (run under -race); the read now sees the new timeout.
func TestSetOptionWhileAnotherTaskReads(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local reader = spawn(function()
		  return socket_read(conn, 10), socket_last_error(conn)
		end)
		sleep(0.01) -- the reader is waiting now
		assert(socket_set_option(conn, SOL_SOCKET, SO_RCVTIMEO, {sec = 0, usec = 1000}))
		socket_write(cli, "late")
		local _, data = wait(reader)
		echo(tostring(data), "\n")
		-- With the timeout set before the wait, the read times out (EAGAIN).
		local timed = spawn(function()
		  return socket_read(conn, 10), socket_last_error(conn)
		end)
		local _, data, errno = wait(timed)
		echo(tostring(data), " ", errno, "\n")
	`)
	if out != "late\nfalse 11\n" {
		t.Fatalf("got %q", out)
	}
}

// After task B closes a and makes a new socket (which gets a's descriptor
// number), task A, waiting in socket_read(a), fails with EBADF and never
// sees the new socket's bytes; those reach B intact.
func TestCloseFailsWaitersBeforeTheNumberIsReused(t *testing.T) {
	for round := 0; round < 20; round++ {
		out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local waiter = spawn(function()
		  return socket_read(conn, 100), socket_last_error()
		end)
		local writer_srv, writer_cli, writer_conn, port = pair()
		sleep(0) -- the waiter is waiting on conn
		socket_close(conn)
		local fresh = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
		assert(socket_connect(fresh, "127.0.0.1", port))
		local peer = socket_accept(writer_srv)
		socket_write(peer, "for the new socket")
		local _, data, errno = wait(waiter)
		echo(tostring(data), " ", errno, "\n")
		echo(socket_read(fresh, 100), "\n")
	`)
		if out != "false 9\nfor the new socket\n" {
			t.Fatalf("round %d: got %q", round, out)
		}
	}
}

// A select waiting on a socket another task closes wakes at once and fails
// with EBADF, instead of running to its timeout and reporting it readable.
func TestCloseWakesSelect(t *testing.T) {
	out, errOut, status := runLua(t, pairLua+`
		local srv, cli, conn = pair()
		local selector = spawn(function()
		  local t0 = microtime(true)
		  local n = socket_select({conn}, nil, nil, 30)
		  return n, socket_last_error(), microtime(true) - t0 < 10
		end)
		sleep(0)
		socket_close(conn)
		local _, n, errno, prompt = wait(selector)
		echo(tostring(n), " ", errno, " ", tostring(prompt), "\n")
	`)
	if status != 0 || out != "false 9 true\n" {
		t.Fatalf("status %d, got %q; stderr:\n%s", status, out, errOut)
	}
	if !strings.Contains(errOut, "socket_select(): Unable to select [9]: Bad file descriptor") {
		t.Errorf("stderr lacks the EBADF warning:\n%s", errOut)
	}
}

// Two tasks writing 4 MiB each to one socket: each write goes out whole,
// never interleaved with the other's bytes.
func TestConcurrentWritesDoNotInterleave(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local size = 4 * 1024 * 1024
		local a = spawn(function() return socket_write(cli, string.rep("a", size)) end)
		local b = spawn(function() return socket_write(cli, string.rep("b", size)) end)
		local got, total = {}, 0
		while total < 2 * size do
		  local data = socket_read(conn, 65536)
		  got[#got + 1] = data
		  total = total + #data
		end
		local all = table.concat(got)
		local first, second = all:sub(1, size), all:sub(size + 1)
		local whole = (first == string.rep("a", size) and second == string.rep("b", size))
		  or (first == string.rep("b", size) and second == string.rep("a", size))
		echo(select(2, wait(a)), " ", select(2, wait(b)), " ", tostring(whole), "\n")
	`)
	if out != "4194304 4194304 true\n" {
		t.Fatalf("got %q", out)
	}
}

// sleep of a huge or infinite time sleeps until the script is stopped
// (here by --timeout); NaN is an error, not a zero sleep.
func TestSleepHugeInfiniteNaN(t *testing.T) {
	for _, secs := range []string{"1e10", "math.huge", "2^62"} {
		_, errOut, status := runLuaTimeout(t, "200ms", `sleep(`+secs+`) echo("woke\n")`)
		if status != ExitTimeout || !strings.Contains(errOut, "timed out after 200ms") {
			t.Errorf("sleep(%s): status %d, stderr %q; want the --timeout stop", secs, status, errOut)
		}
	}
	out := mustRun(t, `local ok, err = pcall(sleep, 0/0) echo(tostring(ok), " ", err:gsub("^[^:]*:%d+: ", ""), "\n")`)
	if out != "false sleep(): Argument #1 ($seconds) must be a number, NaN given\n" {
		t.Errorf("sleep(0/0): got %q", out)
	}
}

// runLuaTimeout is runLua with its own --timeout.
func runLuaTimeout(t *testing.T, timeout, code string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut strings.Builder
	status = Main([]string{"--timeout", timeout, "-e", code}, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), status
}

// A TLS handshake waiting for a peer that never answers runs on a goroutine
// of its own: closing its socket from another task ends it (the call fails),
// and so does stopping the script (--timeout), without waiting for the peer.
func TestTLSHandshakeInterrupted(t *testing.T) {
	out, errOut, status := runLua(t, pairLua+`
		local srv, cli, conn = pair()
		local shaker = spawn(function()
		  return socket_enable_crypto(cli, true, {verify_peer = false})
		end)
		sleep(0.05) -- the handshake has sent its hello and waits
		socket_close(cli)
		local _, ok = wait(shaker)
		echo(tostring(ok), "\n")
	`)
	if status != 0 || out != "false\n" {
		t.Fatalf("status %d, got %q; stderr:\n%s", status, out, errOut)
	}
	_, errOut, status = runLuaTimeout(t, "200ms", pairLua+`
		local srv, cli, conn = pair()
		socket_enable_crypto(cli, true, {verify_peer = false})
		echo("handshake ended\n")
	`)
	if status != ExitTimeout || !strings.Contains(errOut, "timed out after 200ms") {
		t.Fatalf("status %d, stderr %q; want the --timeout stop", status, errOut)
	}
}
