package script

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer a test can read while the script writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A task blocked in a socket call suspends only itself: while one task waits
// for data that only another task will send, the other runs and sends it.
func TestTaskBlockingCallSuspendsOnlyThatTask(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local reader = spawn(function()
		  echo("reader waits\n")
		  local data = socket_read(conn, 100)
		  echo("reader got ", data, "\n")
		  return data
		end)
		local writer = spawn(function()
		  echo("writer runs\n")
		  sleep(0.05)
		  socket_write(cli, "ping")
		  echo("writer wrote\n")
		end)
		echo("main waits\n")
		echo(tostring(select(2, wait(reader))), "\n")
		wait(writer)
	`)
	want := "main waits\nreader waits\nwriter runs\nwriter wrote\nreader got ping\nping\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

// The main chunk's own blocking calls suspend it too: tasks run while it
// waits in accept, and it resumes when a task connects.
func TestMainChunkSuspendsInAccept(t *testing.T) {
	out := mustRun(t, `
		local srv = socket_create(AF_INET, SOCK_STREAM, 0)
		socket_bind(srv, "127.0.0.1", 0)
		socket_listen(srv)
		local _, _, port = socket_getsockname(srv)
		spawn(function()
		  local c = socket_create(AF_INET, SOCK_STREAM, 0)
		  echo("task connects\n")
		  socket_connect(c, "127.0.0.1", port)
		  socket_write(c, "hello")
		end)
		local conn = socket_accept(srv)
		echo("main accepted: ", socket_read(conn, 5), "\n")
	`)
	if out != "task connects\nmain accepted: hello\n" {
		t.Fatalf("got %q", out)
	}
}

// Many tasks serve many sockets at once: 200 client tasks talk to 200
// handler tasks through one listener, every reply checked.
func TestManyTasksOnOneSocketSet(t *testing.T) {
	out := mustRun(t, `
		local N = 200
		local srv = socket_create(AF_INET, SOCK_STREAM, 0)
		socket_bind(srv, "127.0.0.1", 0)
		socket_listen(srv, N)
		local _, _, port = socket_getsockname(srv)
		spawn(function()
		  for i = 1, N do
		    local c = socket_accept(srv)
		    spawn(function()
		      while true do
		        local line = socket_read(c, 100, PHP_NORMAL_READ)
		        if not line or line == "" then break end
		        socket_write(c, "OK " .. line)
		      end
		      socket_close(c)
		    end)
		  end
		end)
		local clients, bad = {}, 0
		for i = 1, N do
		  clients[i] = spawn(function()
		    local c = socket_create(AF_INET, SOCK_STREAM, 0)
		    assert(socket_connect(c, "127.0.0.1", port))
		    for j = 1, 5 do
		      local msg = "c" .. i .. "m" .. j .. "\n"
		      socket_write(c, msg)
		      local n, reply = socket_recv(c, #msg + 3, MSG_WAITALL)
		      if reply ~= "OK " .. msg then bad = bad + 1 end
		    end
		    socket_close(c)
		  end)
		end
		for i = 1, N do assert(wait(clients[i])) end
		echo("bad ", bad, "\n")
	`)
	if out != "bad 0\n" {
		t.Fatalf("got %q", out)
	}
}

// An error in one task is reported with its traceback and does not take
// the others down; wait() returns false and the message.
func TestTaskErrorIsReportedAndContained(t *testing.T) {
	out, errOut, status := runLua(t, `
		local function inner() error("boom") end
		local bad = spawn(function() sleep(0.01) inner() end)
		local good = spawn(function() sleep(0.05) return "still here" end)
		local ok, msg = wait(bad)
		echo(tostring(ok), " ", msg:match("boom") or msg, "\n")
		echo(select(2, wait(good)), "\n")
	`)
	if status != 0 || out != "false boom\nstill here\n" {
		t.Fatalf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
	if !strings.Contains(errOut, "task #2 failed: -e:2: boom") || !strings.Contains(errOut, "stack traceback:") {
		t.Errorf("stderr does not report the task's error with a traceback:\n%s", errOut)
	}
}

// --fatal-task-errors makes the first task error end the script.
func TestFatalTaskErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	status := Main([]string{"--fatal-task-errors", "-e", `
		spawn(function() sleep(0.01) error("boom") end)
		sleep(5)
		echo("not reached")
	`}, nil, &out, &errOut)
	if status != ExitError || out.Len() != 0 || !strings.Contains(errOut.String(), "boom") {
		t.Fatalf("status %d, stdout %q, stderr %q", status, out.String(), errOut.String())
	}
}

// pcall inside a task still lets a socket call suspend the task (gopher-lua
// cannot yield across its own pcall), and still catches errors.
func TestPcallInsideTasksYields(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local reader = spawn(function()
		  return pcall(function()
		    local data = socket_read(conn, 100)
		    error("after " .. data, 0)
		  end)
		end)
		spawn(function() sleep(0.02) echo("writer\n") socket_write(cli, "x") end)
		local _, ok, err = wait(reader)
		echo(tostring(ok), " ", err, "\n")
		echo(tostring(xpcall(function() sleep(0.01) error("y", 0) end, function(e) return "handled " .. e end)), "\n")
		echo(select(2, xpcall(function() sleep(0.01) error("y", 0) end, function(e) return "handled " .. e end)), "\n")
	`)
	if out != "writer\nfalse after x\nfalse\nhandled y\n" {
		t.Fatalf("got %q", out)
	}
}

// Ctrl-C (Stop) ends a script whose tasks are all parked in socket calls,
// promptly, with the interrupt status, and closes every socket.
func TestStopCancelsParkedTasks(t *testing.T) {
	var errOut bytes.Buffer
	out := &lockedBuffer{}
	rt := mustNew(Options{Stdout: out, Stderr: &errOut})
	done := make(chan int)
	go func() {
		done <- rt.RunSource([]byte(pairLua+`
			for i = 1, 20 do
			  local srv, cli, conn = pair()
			  spawn(function() socket_read(conn, 10) end)
			  spawn(function() socket_select({cli}, nil, nil, nil) end)
			end
			spawn(function() sleep(60) end)
			echo("parked\n")
			socket_accept(socket_create_listen(0))
		`), "t.lua", nil)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "parked") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling the script's own output, not waiting for a server
	}
	rt.Stop(ExitInterrupt, "interrupted")
	select {
	case status := <-done:
		if status != ExitInterrupt {
			t.Fatalf("status %d, want %d; stderr %q", status, ExitInterrupt, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("script did not end after Stop")
	}
	rt.Close()
	if n := rt.eng.OpenSockets(); n != 0 {
		t.Fatalf("%d sockets open after Close", n)
	}
}

// sleep in one task lets the others run; wait on a finished task returns at
// once; a task cannot wait for itself; tasks waiting on each other are a
// deadlock the scheduler reports instead of hanging.
func TestTaskWaitAndSleep(t *testing.T) {
	out := mustRun(t, `
		local order = {}
		local a = spawn(function() sleep(0.03) order[#order + 1] = "a" return 1, 2 end)
		local b = spawn(function() order[#order + 1] = "b" end)
		echo(table.concat({tostring(select(1, wait(a))), tostring(select(2, wait(a))), tostring(select(3, wait(a)))}, ","), "\n")
		wait(b)
		echo(table.concat(order, ","), " ", tostring(a), "\n")
	`)
	if out != "true,1,2\nb,a Task #2 (finished)\n" {
		t.Fatalf("got %q", out)
	}

	_, errOut, status := runLua(t, `
		local t1
		local t2 = spawn(function() sleep(0.01) wait(t1) end)
		t1 = spawn(function() wait(t2) end)
		wait(t1)
	`)
	if status != ExitError || !strings.Contains(errOut, "every task is waiting for another") {
		t.Fatalf("status %d, stderr %q; want the deadlock reported", status, errOut)
	}
}
