package script

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Leak checks: after a script ends, whichever way it ends, and its Runtime is
// closed, no descriptor, goroutine or tracked socket of it may remain.
//
// goleak (go.uber.org/goleak) lists the goroutines that outlive a test;
// IgnoreCurrent, taken at the start of each test after a warm-up, sets aside
// those that were there before (the testing package's, os/signal's loop, the
// Go runtime's own), and VerifyNone retries for a while so that a goroutine
// that is on its way out is not reported.

// leakCycles is how many connect/close cycles the soak tests run: with
// SOCKRUN_LONG=1 (.ci/run), 100,000 (about 10 s of CPU each on an idle
// 2-core machine), or 10,000 under -race, which makes every syscall path
// several times slower; otherwise 2,000, which still shows a leak of one
// descriptor or goroutine per cycle.
func leakCycles() int {
	switch {
	case !longRuns():
		return 2_000 // enough to show a per-cycle leak; SOCKRUN_LONG=1 soaks
	case raceEnabled:
		return 10_000
	}
	return 100_000
}

// openFDs counts the process's open descriptors (/proc/self/fd; the
// directory's own descriptor is counted every time, so it cancels out).
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// warmUp makes the process-wide things that are created once and kept (the
// netpoller's epoll descriptor and its wake-up eventfd, os/signal's loop
// goroutine, the socket_select wake pipe's code paths) before a baseline is
// taken, so that they are not mistaken for leaks.
func warmUp(t *testing.T) {
	t.Helper()
	var out, errOut bytes.Buffer
	status := Main([]string{"--timeout", "30s", "-e", pairLua + `
		local srv, cli, conn = pair()
		socket_write(cli, "x")
		local r = {conn}
		socket_select(r, nil, nil, 1)
		spawn(function() socket_read(conn, 1) end)
		sleep(0.001)
	`}, strings.NewReader(""), &out, &errOut)
	if status != 0 {
		t.Fatalf("warm-up: status %d, stderr %q", status, errOut.String())
	}
}

// baseline is the process's state before a test's runtime exists.
type baseline struct {
	fds       int
	goroutine goleak.Option
}

func takeBaseline(t *testing.T) baseline {
	t.Helper()
	warmUp(t)
	return baseline{fds: openFDs(t), goroutine: goleak.IgnoreCurrent()}
}

// check waits briefly for descriptors to return to the baseline, then
// reports the descriptors and goroutines still there.
func (b baseline) check(t *testing.T) {
	t.Helper()
	n := openFDs(t)
	for deadline := time.Now().Add(2 * time.Second); n != b.fds && time.Now().Before(deadline); n = openFDs(t) {
		time.Sleep(10 * time.Millisecond) // a descriptor whose last reference is being dropped
	}
	if n != b.fds {
		t.Errorf("%d descriptors open, %d before the script", n, b.fds)
	}
	goleak.VerifyNone(t, b.goroutine)
}

// runScript runs code in a fresh Runtime and returns its status and output.
// The Runtime is left open for the caller to inspect and close.
func runScript(t *testing.T, opts Options, code string, args ...string) (*Runtime, int, string, string) {
	t.Helper()
	var out, errOut lockedBuffer
	opts.Stdout, opts.Stderr = &out, &errOut
	rt := mustNew(opts)
	status := rt.RunSource([]byte(code), "leak.lua", args)
	return rt, status, out.String(), errOut.String()
}

// closeAndCheck closes rt and checks that it tracks no socket any more and
// that the process is back at its baseline.
func closeAndCheck(t *testing.T, rt *Runtime, b baseline) {
	t.Helper()
	rt.Close()
	if n := rt.eng.OpenSockets(); n != 0 {
		t.Errorf("%d sockets still tracked after Close", n)
	}
	b.check(t)
}

// The connect/accept/close loop: a listener, then N times a client that
// connects, the accepted connection, both closed. The listener is left open
// for Close to close.
const connectLoopLua = `
local N = tonumber(arg[1])
local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_set_option(srv, SOL_SOCKET, SO_REUSEADDR, 1))
assert(socket_bind(srv, "127.0.0.1", 0))
assert(socket_listen(srv, 128))
local _, _, port = socket_getsockname(srv)
for i = 1, N do
  local cli = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
  if not socket_connect(cli, "127.0.0.1", port) then
    error("connect " .. i .. ": " .. socket_strerror(socket_last_error(cli)))
  end
  local conn = socket_accept(srv)
  if not conn then error("accept " .. i .. ": " .. socket_strerror(socket_last_error(srv))) end
  -- The client closes with a reset (SO_LINGER 0): no connection is left in
  -- TIME_WAIT, so 100,000 cycles neither run out of the ephemeral ports
  -- (28,000 by default, shared with everything else on the machine) nor
  -- slow every connect down while the kernel searches for a free one.
  socket_close(conn)
  assert(socket_set_option(cli, SOL_SOCKET, SO_LINGER, {l_onoff = 1, l_linger = 0}))
  socket_close(cli)
end
echo("done ", N, "\n")
`

// Connect/accept/close cycles (leakCycles) leave no descriptor, goroutine or
// tracked socket behind.
func TestConnectCloseCyclesLeakNothing(t *testing.T) {
	b := takeBaseline(t)
	n := leakCycles()
	start := time.Now()
	rt, status, out, errOut := runScript(t, Options{}, connectLoopLua, strconv.Itoa(n))
	t.Logf("%d cycles in %v", n, time.Since(start).Round(time.Millisecond))
	if status != 0 || out != "done "+strconv.Itoa(n)+"\n" {
		rt.Close()
		t.Fatalf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
	if got := rt.eng.OpenSockets(); got != 1 {
		t.Errorf("%d sockets open at the end of the script, want 1 (the listener)", got)
	}
	closeAndCheck(t, rt, b)
}

// The same with tasks: a server task accepts and spawns a handler task per
// connection, which waits for the client's message, then closes; the main
// chunk is the client, with a batch of connections in flight at once. Every
// call that waits (accept, the handlers' reads, connects) then parks on one
// of the scheduler's op goroutines. The handler closes with a reset, so no
// connection is left in TIME_WAIT.
const taskLoopLua = `
local N, BATCH = tonumber(arg[1]), 16
local srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_set_option(srv, SOL_SOCKET, SO_REUSEADDR, 1))
assert(socket_bind(srv, "127.0.0.1", 0))
assert(socket_listen(srv, 128))
local _, _, port = socket_getsockname(srv)
local handled = 0
local server = spawn(function()
  for i = 1, N do
    local conn = socket_accept(srv)
    if not conn then error("accept " .. i) end
    spawn(function()
      local data = socket_read(conn, 16)
      if data ~= "ping" then error("handler " .. i .. " got " .. tostring(data)) end
      assert(socket_set_option(conn, SOL_SOCKET, SO_LINGER, {l_onoff = 1, l_linger = 0}))
      socket_close(conn)
      handled = handled + 1
    end)
  end
end)
local i = 0
while i < N do
  local clients = {}
  for k = 1, math.min(BATCH, N - i) do
    local cli = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
    if not socket_connect(cli, "127.0.0.1", port) then error("connect " .. (i + k)) end
    socket_write(cli, "ping")
    clients[k] = cli
  end
  for _, cli in ipairs(clients) do socket_close(cli) end
  i = i + #clients
end
assert(wait(server))
while handled < N do sleep(0.001) end
echo("done ", handled, "\n")
`

func TestConnectCloseCyclesWithTasksLeakNothing(t *testing.T) {
	b := takeBaseline(t)
	n := leakCycles()
	start := time.Now()
	rt, status, out, errOut := runScript(t, Options{}, taskLoopLua, strconv.Itoa(n))
	t.Logf("%d cycles with tasks in %v", n, time.Since(start).Round(time.Millisecond))
	if status != 0 || out != "done "+strconv.Itoa(n)+"\n" {
		rt.Close()
		t.Fatalf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
	if got := rt.eng.OpenSockets(); got != 1 {
		t.Errorf("%d sockets open at the end of the script, want 1 (the listener)", got)
	}
	closeAndCheck(t, rt, b)
}

// parkedTasksLua leaves tasks parked in every kind of wait: reads on idle
// connections, an accept, selects (with and without a timeout), a line
// read, sleeps, a wait() on a parked task, a pcall around a read; then
// prints "parked" and does what the test appends (die, error, a blocking
// read for Stop to interrupt...).
const parkedTasksLua = pairLua + `
local keep = {}
for i = 1, 5 do
  local srv, cli, conn = pair()
  keep[#keep + 1] = {srv, cli, conn}
  spawn(function() socket_read(conn, 10) end)
  spawn(function() socket_read(cli, 10, PHP_NORMAL_READ) end)
  spawn(function() socket_accept(srv) end)
  spawn(function() socket_select({cli}, nil, nil, nil) end)
  spawn(function() socket_select({conn}, {}, nil, 60) end)
  spawn(function() pcall(socket_recv, conn, 10, MSG_WAITALL) end)
  spawn(function() sleep(60) end)
  local reader = spawn(function() socket_read(cli, 10) end)
  spawn(function() wait(reader) end)
end
local ok, p = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
keep[#keep + 1] = p
spawn(function() socket_read(p[1], 10) end)
sleep(0.05) -- every task reaches its wait
echo("parked\n")
`

// endWith runs parkedTasksLua followed by tail, with the runtime stopped
// after stopAfter if that is positive (as --timeout does), and checks the
// exit status and that nothing is left once the runtime is closed. A script
// that does not end within 10 s is reported, then stopped, so that the
// checks still run.
func endWith(t *testing.T, opts Options, tail string, stopAfter time.Duration, wantStatus int) {
	t.Helper()
	b := takeBaseline(t)
	var out, errOut lockedBuffer
	opts.Stdout, opts.Stderr = &out, &errOut
	rt := mustNew(opts)
	if stopAfter > 0 {
		timer := time.AfterFunc(stopAfter, func() { rt.Stop(ExitTimeout, "timed out after "+stopAfter.String()) })
		defer timer.Stop()
	}
	done := make(chan int, 1)
	go func() { done <- rt.RunSource([]byte(parkedTasksLua+tail), "leak.lua", nil) }()
	var status int
	select {
	case status = <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("the script did not end within 10 s of starting; stdout %q, stderr %q", out.String(), errOut.String())
		rt.Stop(ExitInterrupt, "stopped by the test")
		select {
		case status = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the script did not end after Stop either")
		}
	}
	if status != wantStatus {
		t.Errorf("status %d, want %d; stdout %q, stderr %q", status, wantStatus, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "parked") {
		t.Errorf("the tasks never all parked; stdout %q, stderr %q", out.String(), errOut.String())
	}
	closeAndCheck(t, rt, b)
}

// Stop (--timeout, Ctrl-C) while the main chunk and every task are parked.
func TestNoGoroutineLeftAfterStopWithParkedTasks(t *testing.T) {
	endWith(t, Options{}, `socket_read(keep[1][3], 10)`, 300*time.Millisecond, ExitTimeout)
}

// Stop while the main chunk spins in pure Lua code and the tasks are parked.
func TestNoGoroutineLeftAfterStopInBusyLoop(t *testing.T) {
	endWith(t, Options{}, `while true do end`, 300*time.Millisecond, ExitTimeout)
}

// die() in the main chunk, and in a task, while the other tasks are parked.
func TestNoGoroutineLeftAfterDieWithParkedTasks(t *testing.T) {
	t.Run("main", func(t *testing.T) { endWith(t, Options{}, `die(3)`, 0, 3) })
	t.Run("task", func(t *testing.T) {
		endWith(t, Options{}, `spawn(function() sleep(0.01) die(4) end) socket_read(keep[1][3], 10)`, 0, 4)
	})
	t.Run("os.exit", func(t *testing.T) {
		endWith(t, Options{}, `spawn(function() os.exit(5) end) socket_read(keep[1][3], 10)`, 0, 5)
	})
}

// An uncaught error in the main chunk while tasks are parked ends the script
// at once, and leaves nothing behind.
func TestNoGoroutineLeftAfterErrorWithParkedTasks(t *testing.T) {
	endWith(t, Options{}, `error("boom")`, 0, ExitError)
}

// An error in a task with --fatal-task-errors, while the others are parked.
func TestNoGoroutineLeftAfterFatalTaskErrorWithParkedTasks(t *testing.T) {
	endWith(t, Options{FatalTaskError: true}, `spawn(function() error("task boom") end) socket_read(keep[1][3], 10)`, 0, ExitError)
}

// Errors with no task parked: a plain error, a syntax error, every task
// waiting for another (the deadlock the scheduler reports).
func TestNoGoroutineLeftAfterErrors(t *testing.T) {
	for name, code := range map[string]string{
		"error":    pairLua + `local srv, cli, conn = pair() error("boom")`,
		"syntax":   `local x = = 1`,
		"deadlock": `local t1; local t2 = spawn(function() sleep(0.01) wait(t1) end); t1 = spawn(function() wait(t2) end); wait(t1)`,
		"in task":  pairLua + `local srv, cli, conn = pair() local t = spawn(function() socket_read(conn, 1) error("x") end) socket_write(cli, "y") assert(not wait(t))`,
	} {
		t.Run(name, func(t *testing.T) {
			b := takeBaseline(t)
			rt, status, out, errOut := runScript(t, Options{}, code)
			if name == "in task" {
				if status != 0 {
					t.Errorf("status %d; stdout %q, stderr %q", status, out, errOut)
				}
			} else if status != ExitError {
				t.Errorf("status %d, want %d; stdout %q, stderr %q", status, ExitError, out, errOut)
			}
			closeAndCheck(t, rt, b)
		})
	}
}
