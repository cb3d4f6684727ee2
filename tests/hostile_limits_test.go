package tests

// Regression tests for issue 14's "Time and memory": a hostile script must
// not outlast --timeout or a signal whatever it is doing, must not take more
// memory than --max-memory (or the default bound) nor crash sockrun with
// Go's "out of memory" abort, must not make the Lua stack quadratic, and
// parked or refused calls must not cost memory or CPU. Each attacks the real
// binary the way the defect was found.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runQuietStdin runs sockrun with a stdin that stays open and silent (as a
// terminal nobody types into), bounded at a minute, and says how long it ran.
func runQuietStdin(t *testing.T, args ...string) (result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = rootDir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("sockrun %v was still running after a minute; stderr:\n%s", args, errOut.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}, elapsed
}

// noCrashDump fails when stderr holds a Go runtime abort or panic.
func noCrashDump(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"fatal error:", "goroutine ", "panic:"} {
		if strings.Contains(stderr, s) {
			t.Fatalf("stderr holds a Go crash dump (%q):\n%s", s, stderr)
		}
	}
}

// processGone waits (up to 10 s) for a process to be gone or a zombie.
func processGone(pid int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		if end := bytes.LastIndexByte(data, ')'); end > 0 && bytes.HasPrefix(data[end+1:], []byte(" Z")) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// --timeout is a hard bound: a script blocked where the engine cannot wake
// it (reading a quiet stdin, waiting for a child process, a backtracking
// pattern, a name lookup nobody answers) ends with status 124 and the
// message, its listening socket is closed and its child processes are
// killed. Times are generous: what matters is that it ends.
func TestHostileLimitsTimeoutHardBound(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	blackHole, err := net.ListenPacket("udp", "127.0.0.1:0") // a DNS server that never answers
	if err != nil {
		t.Fatal(err)
	}
	defer blackHole.Close()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	listen := `local s = socket_create_listen(0) local _, _, port = socket_getsockname(s) print("port " .. port) `
	for _, tc := range []struct {
		name, code string
		flags      []string
	}{
		{name: "io.read on a quiet stdin", code: listen + `io.read()`},
		{name: "os.execute", code: listen + `os.execute("echo $$ > '` + pidFile + `'; exec sleep 100")`},
		{name: "io.popen", code: listen + `local f = io.popen("echo $$ > '` + pidFile + `'; exec sleep 100") f:read("*a")`},
		{name: "backtracking string.find", code: listen + `string.find(string.rep("a", 40), string.rep("a*", 40) .. "b")`},
		{name: "backtracking string.gsub", code: listen + `string.gsub(string.rep("a", 40), string.rep("a*", 40) .. "b", "")`},
		{name: "gethostbyaddr nobody answers", code: listen + `gethostbyaddr("192.0.2.1")`,
			flags: []string{"--dns", blackHole.LocalAddr().String()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(pidFile)
			args := append(append([]string{"--timeout", "1s"}, tc.flags...), "-e", tc.code)
			r, elapsed := runQuietStdin(t, args...)
			t.Logf("ended after %v", elapsed)
			if r.code != 124 || !strings.Contains(r.stderr, "sockrun: timed out after 1s") {
				t.Fatalf("status %d, want 124 and the timed-out message; stderr:\n%s", r.code, r.stderr)
			}
			if strings.Count(r.stderr, "timed out") != 1 {
				t.Errorf("the message is not printed once:\n%s", r.stderr)
			}
			noCrashDump(t, r.stderr)
			if elapsed > 20*time.Second {
				t.Errorf("took %v to end after a 1 s timeout", elapsed)
			}
			port := strings.TrimPrefix(strings.TrimSpace(r.stdout), "port ")
			if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second); err == nil {
				conn.Close()
				t.Errorf("port %s still accepts connections after the script ended", port)
			}
			if data, err := os.ReadFile(pidFile); err == nil {
				pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
				if pid > 0 && !processGone(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Errorf("the script's child process %d outlived it", pid)
				}
			}
		})
	}
}

// Ctrl-C and SIGTERM get the same hard bound as --timeout.
func TestHostileLimitsSignalHardBound(t *testing.T) {
	for _, tc := range []struct {
		sig     os.Signal
		code    int
		message string
	}{
		{os.Interrupt, 130, "sockrun: interrupted"},
		{syscall.SIGTERM, 143, "sockrun: terminated"},
	} {
		t.Run(tc.message, func(t *testing.T) {
			p := startSockrun(t, "-e", `print("ready") string.find(string.rep("a", 40), string.rep("a*", 40) .. "b")`)
			p.waitLine(`^ready$`)
			p.cmd.Process.Signal(tc.sig)
			if code := p.wait(); code != tc.code || !strings.Contains(p.Stderr(), tc.message) {
				t.Fatalf("status %d, want %d and %q; stderr:\n%s", code, tc.code, tc.message, p.Stderr())
			}
			noCrashDump(t, p.Stderr())
		})
	}
}

// {s:byte(1, -1)} of 256 KiB and unpack of 2^19 items used to take 4.5 s
// and 9 s (the Lua stack grew 128 slots at a time, copied each time); under
// a timeout a regression fails instead of hanging.
func TestHostileLimitsManyValues(t *testing.T) {
	r, elapsed := runQuietStdin(t, "--timeout", "20s", "-e", `
		local s = string.rep("x", 256 * 1024)
		local bytes = {s:byte(1, -1)}
		local t = {}
		for i = 1, 2^19 do t[i] = i end
		local u = {unpack(t)}
		print(#bytes, #u, select("#", unpack(t)), u[2^19])`)
	t.Logf("took %v", elapsed)
	if r.code != 0 || r.stdout != "262144\t524288\t524288\t524288\n" {
		t.Fatalf("status %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// string.byte and unpack, replaced to grow the stack once, still give Lua
// 5.1's results, errors included.
func TestHostileLimitsByteUnpackParity(t *testing.T) {
	lua51 := requireTool(t, "lua5.1")
	code := `
		local function show(...)
			local n, out = select("#", ...), {}
			for i = 1, n do out[i] = tostring((select(i, ...))) end
			io.write(n, ":", table.concat(out, ","), "\n")
		end
		local s = "hello"
		show(s:byte()) show(s:byte(2)) show(s:byte(-1)) show(s:byte(0)) show(s:byte(2, 4))
		show(s:byte(-3, -1)) show(s:byte(4, 2)) show(s:byte(1, 100)) show(s:byte(-100, 2)) show(s:byte(6))
		show(string.byte("")) show(string.byte(s, 3, nil))
		show(unpack({1, 2, 3})) show(unpack({1, 2, 3}, 2)) show(unpack({1, 2, 3}, 2, 5))
		show(unpack({1, 2, 3}, 3, 1)) show(unpack({}, 1, 0)) show(unpack({1, nil, 3}, 1, 3))
		print(pcall(unpack, {}, 1, 1e8))`
	want := runProgram(t, "", lua51, "-e", code)
	got := runSockrun(t, "-e", code)
	// Lua 5.1 gives no position for an error raised by a C function called
	// by pcall; sockrun's errors name the script's line.
	norm := regexp.MustCompile(`-e:\d+: `).ReplaceAllString
	if got.code != 0 || want.stdout != norm(got.stdout, "") {
		t.Fatalf("sockrun (status %d):\n%s\nlua5.1:\n%s\nstderr:\n%s", got.code, got.stdout, want.stdout, got.stderr)
	}
}

// A single huge allocation is a Lua error at the script's line, catchable
// with pcall, even without --max-memory (the default bound is half the
// machine's memory): string.rep("x", 2^40) used to abort sockrun with Go's
// "fatal error: out of memory", a goroutine dump and status 2.
func TestHostileLimitsHugeAllocation(t *testing.T) {
	script := writeFile(t, "huge.lua", "local n = 2^40\nlocal s = string.rep(\"x\", n)\n")
	r := runSockrun(t, script)
	want := script + ":2: string.rep: 1099511627776 bytes at once would exceed the memory limit of"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("status %d, want 1 and %q; stderr:\n%s", r.code, want, r.stderr)
	}
	noCrashDump(t, r.stderr)

	for _, code := range []string{
		`return string.rep("ab", 2^39)`,
		`return ("x"):rep(2^40)`,
		`return string.format(string.rep("%999999d", 200), unpack({}, 1, 200))`,
		`local s, t = string.rep("x", 2^20), {} for i = 1, 100 do t[i] = s end return table.concat(t)`,
		`return io.read(2^40)`,
		`return io.stdin:read(2^40)`,
		`return io.stdout:setvbuf("full", 2^40)`,
		`return str_repeat("x", 2^31)`,
		`return str_pad("x", 2^40)`,
		`return implode(string.rep(",", 2^20), array_fill(0, 5000, "x"))`,
	} {
		r := runSockrun(t, "--max-memory", "64M", "-e",
			`local ok, err = pcall(function() `+code+` end) print(ok, err) print("still running")`)
		if r.code != 0 || !strings.Contains(r.stdout, "false\t-e:1: ") ||
			!strings.Contains(r.stdout, "would exceed the memory limit of 64 MiB (--max-memory)") ||
			!strings.Contains(r.stdout, "still running") {
			t.Errorf("%s: status %d, stdout:\n%s\nstderr:\n%s", code, r.code, r.stdout, r.stderr)
		}
		noCrashDump(t, r.stderr)
	}
}

// Memory taken a little at a time, past --max-memory: the script ends with
// the message and status 3, never a Go crash.
func TestHostileLimitsMaxMemory(t *testing.T) {
	for _, code := range []string{
		`local t = {} for i = 1, 1e9 do t[i] = {i} end`,
		`local t = {} local s = string.rep("x", 2^20) for i = 1, 1e9 do t[i] = s .. i end`,
		`local s = "x" while true do s = s .. s end`,
	} {
		r, elapsed := runQuietStdin(t, "--max-memory", "64M", "--timeout", "50s", "-e", code)
		t.Logf("%s: ended after %v", code, elapsed)
		if r.code != 3 || !strings.Contains(r.stderr, "sockrun: memory limit of 64 MiB exceeded") {
			t.Errorf("%s: status %d, want 3 and the message; stderr:\n%s", code, r.code, r.stderr)
		}
		noCrashDump(t, r.stderr)
	}
	for _, bad := range []string{"0", "-1", "12x", "M", ""} {
		if r := runSockrun(t, "--max-memory", bad, "-e", ""); r.code != 2 || !strings.Contains(r.stderr, "--max-memory") {
			t.Errorf("--max-memory %q: status %d, stderr %q; want a usage error", bad, r.code, r.stderr)
		}
	}
}

// procStatusKB reads a "Name: N kB" line of /proc/PID/status.
func procStatusKB(t *testing.T, pid int, name string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("needs /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name+":" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}

// procCPUTicks is a process's user+system CPU time in clock ticks, from
// /proc/PID/stat.
func procCPUTicks(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("needs /proc: %v", err)
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.Atoi(f[11]) // fields 14 and 15 of stat(5)
	stime, _ := strconv.Atoi(f[12])
	return utime + stime
}

// 800 tasks parked in socket_read(conn, 2^31) on idle connections used to
// reserve 16 MiB each (12.8 GB); a waiting call now holds no buffer.
func TestHostileLimitsParkedReads(t *testing.T) {
	p := startSockrun(t, "-e", `
		local keep, parked = {}, 0
		for i = 1, 800 do
			local ok, pair = socket_create_pair(AF_UNIX, SOCK_STREAM, 0)
			assert(ok, "socket_create_pair failed")
			keep[i] = pair
			spawn(function()
				parked = parked + 1
				socket_read(pair[1], 2^31)
			end)
		end
		while parked < 800 do sleep(0.01) end
		sleep(0.2)
		print("parked " .. parked)
		socket_read(keep[1][2], 1)`)
	p.waitLine(`^parked 800$`)
	rss := procStatusKB(t, p.cmd.Process.Pid, "VmRSS")
	t.Logf("RSS with 800 parked reads of 2^31: %d kB", rss)
	if rss > 200*1024 {
		t.Fatalf("RSS %d kB with 800 parked reads, want < 200 MB", rss)
	}
}

// At the --max-sockets limit, a blocking socket_accept with nothing pending
// waits without spinning (it used to fail with errno 24 at once, and servers
// looping on it spun at 100% CPU); when a connection arrives it fails with
// errno 24, one warning.
func TestHostileLimitsAcceptAtSocketLimit(t *testing.T) {
	t.Parallel() // it mostly waits: let it overlap the other waiting tests
	p := startSockrun(t, "--max-sockets", "1", "-e", `
		local s = socket_create_listen(0)
		local _, _, port = socket_getsockname(s)
		print("port " .. port)
		local c = socket_accept(s)
		print("accept " .. tostring(c) .. " " .. socket_last_error())
		sleep(60) -- keeps the listener open: its queued connection is not reset`)
	port := p.waitLine(`^port (\d+)$`)[1]
	pid := p.cmd.Process.Pid
	before := procCPUTicks(t, pid)
	time.Sleep(time.Second) // measuring CPU over a period, not waiting for a server
	used := procCPUTicks(t, pid) - before
	t.Logf("CPU over 1 s in a blocking accept at the limit: %d ticks", used)
	if used > 30 {
		t.Errorf("the blocked accept used %d ticks of CPU in a second: it spins", used)
	}
	conn := dialTCP(t, "127.0.0.1:"+port)
	defer conn.Close()
	p.waitLine(`^accept false 24$`)
	if code := p.interrupt(); code != 130 {
		t.Fatalf("status %d; stderr:\n%s", code, p.Stderr())
	}
	if n := strings.Count(p.Stderr(), "[24]: Too many open files"); n != 1 {
		t.Fatalf("%d errno 24 warnings, want 1; stderr:\n%s", n, p.Stderr())
	}
}
