package tests

// End-to-end tests of sockrun's own command-line extras: --trace and
// --trace-file, --timeout ending blocked calls, SIGINT ending a script
// blocked in a task, and require() with the script's directory, -I and
// SOCKRUN_PATH.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tkClosedPort returns a loopback port that nothing listens on (just
// closed), so a connect to it is refused.
func tkClosedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// tkTraceScript's line numbers are part of the expected trace below.
const tkTraceScript = `local l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_bind(l, "127.0.0.1", 0)
socket_listen(l, 5)
local _, addr, port = socket_getsockname(l)
local c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_connect(c, "127.0.0.1", tonumber(arg[1]))
local c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
socket_connect(c2, addr, port)
local s = socket_accept(l)
socket_write(c2, "hello \"trace\"\n")
socket_write(c2, "\0\1\2binary\255")
local r = {l, s}
socket_select(r, nil, nil, 5)
local data = socket_read(s, 100)
local helper = require("tkhelper")
local task = spawn(function()
  local line = socket_read(s, 100, PHP_NORMAL_READ)
  return line
end)
helper.send(c2, "from a task\n")
print(wait(task))
socket_close(c2)
print(#data)
`

const tkTraceHelper = `local M = {}
function M.send(sock, text)
  return socket_write(sock, text)
end
return M
`

// tkTraceFiles writes the trace script and its helper module into one
// directory and returns the script's path.
func tkTraceFiles(t *testing.T) string {
	t.Helper()
	script := writeFile(t, "traced.lua", tkTraceScript)
	if err := os.WriteFile(filepath.Join(filepath.Dir(script), "tkhelper.lua"), []byte(tkTraceHelper), 0o644); err != nil {
		t.Fatal(err)
	}
	return script
}

// tkCheckTrace matches the trace of tkTraceScript line by line.
func tkCheckTrace(t *testing.T, trace, script string, refused int) {
	t.Helper()
	f := regexp.QuoteMeta(script)
	h := regexp.QuoteMeta(filepath.Join(filepath.Dir(script), "tkhelper.lua"))
	elapsed := `( \([0-9.]+[mµn]?s\))?`
	// dump is line i of the hex dump of data, as the trace indents it.
	dump := func(data string, i int) string {
		return regexp.QuoteMeta("    " + strings.Split(tkHexDump(data), "\n")[i])
	}
	received := "hello \"trace\"\n\x00\x01\x02binary\xff"
	if !strings.HasPrefix(dump(received, 0), `    00000000  68 65 6c 6c 6f 20 22 74  72 61 63 65 22 0a 00 01  \|hello "trace"\.\.\.\|`) {
		t.Fatalf("tkHexDump is off: %s", dump(received, 0))
	}
	want := []string{
		f + `:1: socket_create\(2, 1, 6\) -> Socket#1` + elapsed,
		f + `:2: socket_bind\(Socket#1, "127\.0\.0\.1", 0\) -> true` + elapsed,
		f + `:3: socket_listen\(Socket#1, 5\) -> true` + elapsed,
		f + `:4: socket_getsockname\(Socket#1\) -> true, "127\.0\.0\.1", (\d+)` + elapsed,
		f + `:5: socket_create\(2, 1, 6\) -> Socket#2` + elapsed,
		f + `:6: socket_connect\(Socket#2, "127\.0\.0\.1", ` + strconv.Itoa(refused) + `\) -> false \[errno 111: Connection refused\]` + elapsed,
		f + `:7: socket_create\(2, 1, 6\) -> Socket#3` + elapsed,
		f + `:8: socket_connect\(Socket#3, "127\.0\.0\.1", \d+\) -> true` + elapsed,
		f + `:9: socket_accept\(Socket#1\) -> Socket#4` + elapsed,
		f + `:10: socket_write\(Socket#3, "hello \\"trace\\"\\n"\) -> 14` + elapsed,
		f + `:11: socket_write\(Socket#3, <10 bytes>\) -> 10` + elapsed,
		`  10 bytes sent:`,
		dump("\x00\x01\x02binary\xff", 0),
		f + `:13: socket_select\(\{Socket#1, Socket#4\}, nil, nil, 5\) -> 1 ready \{Socket#4\}` + elapsed,
		f + `:14: socket_read\(Socket#4, 100\) -> <24 bytes>` + elapsed,
		`  24 bytes received:`,
		dump(received, 0),
		dump(received, 1),
		h + `:3: socket_write\(Socket#3, "from a task\\n"\) -> 12` + elapsed,
		f + `:17: socket_read\(Socket#4, 100, 1\) -> "from a task\\n"` + elapsed,
		f + `:22: socket_close\(Socket#3\) -> nothing` + elapsed,
	}
	lines := strings.Split(strings.TrimSuffix(trace, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d trace lines, want %d:\n%s", len(lines), len(want), trace)
	}
	for i, w := range want {
		if !strings.HasPrefix(w, "  ") {
			w = `\[trace\] ` + w
		}
		if !regexp.MustCompile("^" + w + "$").MatchString(lines[i]) {
			t.Errorf("trace line %d:\n got  %s\n want %s", i+1, lines[i], w)
		}
	}
}

// --trace: one line per socket call with the script's (or module's)
// file:line, the arguments, the results, errno for a failure, printable data
// quoted, binary data as a hex dump, select's ready set, and a task's call
// traced when it ends. The trace goes to stderr, after the PHP warning.
func TestTraceLines(t *testing.T) {
	script := tkTraceFiles(t)
	refused := tkClosedPort(t)
	r := runSockrun(t, "--trace", script, strconv.Itoa(refused))
	if r.code != 0 || r.stdout != "true\tfrom a task\n\n24\n" {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	warning := fmt.Sprintf("Warning: socket_connect(): unable to connect [111]: Connection refused in %s on line 6\n", script)
	var trace strings.Builder
	for _, l := range strings.SplitAfter(r.stderr, "\n") {
		if l != warning {
			trace.WriteString(l)
		}
	}
	if !strings.Contains(r.stderr, warning) {
		t.Errorf("no warning %q in:\n%s", warning, r.stderr)
	}
	tkCheckTrace(t, trace.String(), script, refused)
}

// --trace-file writes the same lines to the file and none to stderr;
// without a flag there is no trace at all.
func TestTraceFileAndNoTrace(t *testing.T) {
	script := tkTraceFiles(t)
	refused := tkClosedPort(t)
	out := filepath.Join(t.TempDir(), "trace.txt")
	r := runSockrun(t, "--trace-file", out, script, strconv.Itoa(refused))
	if r.code != 0 || strings.Contains(r.stderr+r.stdout, "[trace]") || !strings.Contains(r.stderr, "Warning: socket_connect()") {
		t.Fatalf("status %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	trace, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tkCheckTrace(t, string(trace), script, refused)

	r = runSockrun(t, script, strconv.Itoa(refused))
	if r.code != 0 || strings.Contains(r.stderr+r.stdout, "[trace]") || strings.Contains(r.stderr, "bytes sent") {
		t.Fatalf("untraced run: status %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// --timeout ends a script blocked in accept, read, select, connect, sleep,
// or in a task, with status 124, and closes its sockets.
func TestTraceTimeoutEndsBlockedCalls(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	// A Go peer for the read: it sees the script's socket closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peerPort := ln.Addr().(*net.TCPAddr).Port
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	full := tkFullBacklog(t)
	listen := `local l = socket_create(AF_INET, SOCK_STREAM, 0) socket_bind(l, "127.0.0.1", 0) socket_listen(l, 5) `
	for _, c := range []struct{ name, code string }{
		{"accept", listen + `socket_accept(l)`},
		{"read", fmt.Sprintf(`local c = socket_create(AF_INET, SOCK_STREAM, 0) socket_connect(c, "127.0.0.1", %d) socket_read(c, 10)`, peerPort)},
		{"select", listen + `local r = {l} socket_select(r, nil, nil, nil)`},
		{"select with a long timeout", listen + `local r = {l} socket_select(r, nil, nil, 3600)`},
		{"connect", fmt.Sprintf(`local c = socket_create(AF_INET, SOCK_STREAM, 0) socket_connect(c, "127.0.0.1", %d)`, full)},
		{"sleep", `sleep(3600)`},
		{"task", listen + `local t = spawn(function() local c = socket_accept(l) return c end) spawn(function() sleep(3600) end) wait(t)`},
		{"busy loop", `while true do end`},
	} {
		start := time.Now()
		r := runSockrun(t, "--timeout", "300ms", "-e", c.code+` print("not reached")`)
		if r.code != 124 || !strings.Contains(r.stderr, "timed out after 300ms") || r.stdout != "" {
			t.Errorf("%s: status %d stdout %q stderr %q", c.name, r.code, r.stdout, r.stderr)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("%s: ended after %v, before the timeout", c.name, d)
		}
	}
	select {
	case c := <-accepted:
		defer c.Close()
		expectEOF(t, c)
	case <-time.After(10 * time.Second):
		t.Fatal("the read script never connected")
	}
}

// A task may end with a blocking call in tail position ("return
// socket_accept(l)"): the task ends when the call does, with its results,
// inside pcall too.
func TestTraceTaskTailCalls(t *testing.T) {
	r := runSockrun(t, "--timeout", "5s", "-e", `
local l = socket_create(AF_INET, SOCK_STREAM, 0)
socket_bind(l, "127.0.0.1", 0)
socket_listen(l, 5)
local _, addr, port = socket_getsockname(l)
local t0 = microtime(true)
local sleeper = spawn(function() return sleep(0.2) end)
local acceptor = spawn(function() return socket_accept(l) end)
local protected = spawn(function() return pcall(function() return sleep(0.1) end) end)
local client = spawn(function()
  sleep(0.3)
  local c = socket_create(AF_INET, SOCK_STREAM, 0)
  socket_connect(c, addr, port)
  return c
end)
print("sleeper", wait(sleeper))
print("sleeper waited", microtime(true) - t0 >= 0.19)
local ok, conn = wait(acceptor)
print("acceptor", ok, conn ~= nil and tostring(conn):match("^Socket") ~= nil)
print("acceptor waited", microtime(true) - t0 >= 0.29)
print("protected", wait(protected))
wait(client)
`)
	want := "sleeper\ttrue\nsleeper waited\ttrue\nacceptor\ttrue\ttrue\nacceptor waited\ttrue\nprotected\ttrue\ttrue\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Fatalf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
}

// Ctrl-C while the script is blocked in a task: status 130.
func TestTraceInterruptInTask(t *testing.T) {
	script := writeFile(t, "blocked.lua", `
local l = socket_create(AF_INET, SOCK_STREAM, 0)
socket_bind(l, "127.0.0.1", 0)
socket_listen(l, 5)
local _, addr, port = socket_getsockname(l)
local t = spawn(function() return socket_accept(l) end)
local idle = spawn(function() sleep(3600) end)
echo("Listening on ", addr, ":", port, "\n")
print(wait(t))
`)
	p := startSockrun(t, script)
	addr := p.waitLine(`^Listening on (127\.0\.0\.1:\d+)$`)[1]
	if code := p.interrupt(); code != 130 {
		t.Fatalf("status %d, want 130; stderr:\n%s", code, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "interrupted") || strings.Contains(p.Stdout(), "Socket") {
		t.Fatalf("stdout %q stderr %q", p.Stdout(), p.Stderr())
	}
	// The listener was closed.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections", addr)
	}
}

// tkRunEnv runs sockrun with extra environment variables, from dir.
func tkRunEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// require() finds modules next to the script (name.lua and name/init.lua),
// in -I directories and in SOCKRUN_PATH's, in that order; a missing
// module's error names every path tried.
func TestTraceRequirePaths(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app/main.lua", `
print(require("near").where)
print(require("pkg").where)
print(require("inc").where)
print(require("env1").where, require("env2").where)
print(require("both").where)
print(require("lib.deep").where)
`)
	write("app/near.lua", `return {where = "next to the script"}`)
	write("app/pkg/init.lua", `return {where = "pkg/init.lua"}`)
	write("app/both.lua", `return {where = "script dir first"}`)
	write("inc/inc.lua", `return {where = "-I"}`)
	write("inc/both.lua", `return {where = "-I first"}`)
	write("inc/lib/deep.lua", `return {where = "dotted name in -I"}`)
	write("env/a/env1.lua", `return {where = "SOCKRUN_PATH a"}`)
	write("env/b/env2.lua", `return {where = "SOCKRUN_PATH b"}`)
	write("env/b/inc.lua", `return {where = "SOCKRUN_PATH after -I"}`)
	envPath := "SOCKRUN_PATH=" + filepath.Join(root, "env/a") + ":" + filepath.Join(root, "env/b")
	other := t.TempDir() // the working directory does not matter

	r := tkRunEnv(t, other, []string{envPath}, "-I", filepath.Join(root, "inc"), filepath.Join(root, "app/main.lua"))
	want := "next to the script\npkg/init.lua\n-I\nSOCKRUN_PATH a\tSOCKRUN_PATH b\nscript dir first\ndotted name in -I\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("status %d stdout %q want %q stderr:\n%s", r.code, r.stdout, want, r.stderr)
	}
	// --path is -I's long name.
	r = tkRunEnv(t, other, nil, "--path", filepath.Join(root, "inc"), "-e", `print(require("inc").where)`)
	if r.code != 0 || r.stdout != "-I\n" {
		t.Fatalf("--path: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	// Without -I, inc comes from SOCKRUN_PATH.
	r = tkRunEnv(t, other, []string{envPath}, "-e", `print(require("inc").where)`)
	if r.code != 0 || r.stdout != "SOCKRUN_PATH after -I\n" {
		t.Fatalf("SOCKRUN_PATH: status %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	write("app/missing.lua", "local x = 1\nrequire(\"nosuch\")\n")
	r = tkRunEnv(t, other, []string{envPath}, "-I", filepath.Join(root, "inc"), filepath.Join(root, "app/missing.lua"))
	if r.code != 1 || !strings.Contains(r.stderr, filepath.Join(root, "app/missing.lua")+":2: module nosuch not found") {
		t.Fatalf("missing: status %d stderr:\n%s", r.code, r.stderr)
	}
	for _, dir := range []string{"app", "inc", "env/a", "env/b"} {
		for _, tried := range []string{"nosuch.lua", "nosuch/init.lua"} {
			if path := filepath.Join(root, dir, tried); !strings.Contains(r.stderr, path) {
				t.Errorf("the error does not name %s:\n%s", path, r.stderr)
			}
		}
	}
	// In the order searched.
	at := func(dir string) int { return strings.Index(r.stderr, filepath.Join(root, dir, "nosuch.lua")) }
	if !(at("app") < at("inc") && at("inc") < at("env/a") && at("env/a") < at("env/b")) {
		t.Errorf("paths not in search order:\n%s", r.stderr)
	}
}
