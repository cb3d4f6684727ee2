package tests

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The interactive prompt, driven as a person drives it: the real binary on
// a pseudo-terminal (github.com/creack/pty), keys typed, the screen read.

// promptTerm is sockrun running on a pty.
type promptTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  strings.Builder // everything the terminal showed
	seen int             // how far expect has matched
	more chan struct{}
	done chan struct{}
}

func startPrompt(t *testing.T, home string, args ...string) *promptTerm {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	p := &promptTerm{t: t, cmd: cmd, tty: tty, more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	return p
}

// expect waits until the terminal shows want after what was matched
// before, and moves past it.
func (p *promptTerm) expect(want string) {
	p.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		p.mu.Lock()
		screen := p.out.String()
		p.mu.Unlock()
		if i := strings.Index(screen[p.seen:], want); i >= 0 {
			p.seen += i + len(want)
			return
		}
		select {
		case <-p.more:
		case <-p.done:
			p.mu.Lock()
			screen = p.out.String()
			p.mu.Unlock()
			if strings.Contains(screen[p.seen:], want) {
				continue
			}
			p.t.Fatalf("sockrun ended before showing %q; screen after the last match:\n%s", want, screen[p.seen:])
		case <-deadline:
			p.t.Fatalf("timed out waiting for %q; screen after the last match:\n%s", want, screen[p.seen:])
		}
	}
}

// send types keys.
func (p *promptTerm) send(keys string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(keys)); err != nil {
		p.t.Fatal(err)
	}
}

// line types a line and waits for the next prompt's echo of it to pass.
func (p *promptTerm) line(text string) {
	p.t.Helper()
	p.send(text + "\r")
}

func (p *promptTerm) wait() int {
	p.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- p.cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		p.t.Fatal("sockrun did not exit")
		return -1
	}
}

func TestReplLinesExpressionsAndMultiLine(t *testing.T) {
	p := startPrompt(t, t.TempDir())
	p.expect("interactive")
	p.expect("> ")
	p.line("x = 6 * 7")
	p.expect("> ")
	p.line("x")
	p.expect("42")
	p.line("function add(a, b)")
	p.expect(">> ")
	p.line("  return a + b")
	p.expect(">> ")
	p.line("end")
	p.expect("> ")
	p.line("add(2, 3)")
	p.expect("\r\n5\r\n")
	p.line(`= "a" .. "b", nil, 1.5`)
	p.expect("ab\tnil\t1.5")
	p.line("print(strlen('héllo'))")
	p.expect("6")
	p.line("error('boom')")
	p.expect("stdin:1: boom")
	p.line("1 +")
	p.expect(">> ")
	p.line("* 2")
	p.expect("syntax error")
	p.expect("> ")
	p.send("\x04") // Ctrl-D on an empty line quits
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d after Ctrl-D, want 0", code)
	}
}

// A socket made on one line is used on the next, against a Go peer; a
// warning shows inline; a blocking socket_accept and a busy loop are
// interrupted with Ctrl-C and the prompt goes on, the interrupted accept
// taking no connection away from the next one.
func TestReplSocketsAcrossLinesAndCtrlC(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
		fmt.Fprint(c, "pong\n")
	}()
	port := ln.Addr().(*net.TCPAddr).Port

	p := startPrompt(t, t.TempDir())
	p.expect("> ")
	p.line("s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)")
	p.expect("> ")
	p.line(fmt.Sprintf(`socket_connect(s, "127.0.0.1", %d)`, port))
	p.expect("true")
	p.line(`socket_write(s, "ping\n")`)
	p.expect("5")
	select {
	case l := <-got:
		if l != "ping\n" {
			t.Fatalf("peer got %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the peer got nothing")
	}
	p.line("socket_read(s, 100, PHP_NORMAL_READ)")
	p.expect("pong")

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	p.line(fmt.Sprintf(`c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP) socket_connect(c2, "127.0.0.1", %d)`, closedPort))
	p.expect("Warning: socket_connect(): unable to connect [111]: Connection refused in stdin on line 1")

	p.line(`l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP) socket_bind(l, "127.0.0.1", 0) socket_listen(l)`)
	p.expect("> ")
	p.line("_, _, lport = socket_getsockname(l) print('po' .. 'rt=' .. lport .. '.')")
	p.expect("port=")
	p.mu.Lock()
	rest := p.out.String()[p.seen:]
	p.mu.Unlock()
	var lport int
	fmt.Sscanf(rest, "%d", &lport)
	if lport == 0 {
		t.Fatalf("no port in %q", rest)
	}
	p.line("print('accept' .. 'ing') c = socket_accept(l)")
	p.expect("accepting")
	p.send("\x03") // Ctrl-C while the call waits
	p.expect("interrupted")
	p.expect("> ")
	p.line("= 1 + 1")
	p.expect("2")

	// The interrupted accept is gone: the next one takes the connection.
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", lport))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p.line(`c = socket_accept(l) socket_write(c, "hi from prompt\n") = c`)
	p.expect("syntax error") // "= expr" only at the start of a line
	p.line(`c = socket_accept(l) socket_write(c, "hi from prompt\n")`)
	p.expect("> ")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || line != "hi from prompt\n" {
		t.Fatalf("accepted connection got %q, %v", line, err)
	}

	// A task spawned by the interrupted line survives it and runs while the
	// prompt waits.
	p.line("spawn(function() sleep(0.2) print('surv' .. 'ivor') end) print('spin' .. 'ning') while true do end")
	p.expect("spinning")
	p.send("\x03")
	p.expect("interrupted")
	p.expect("> ")
	p.expect("survivor")
	p.line("= 'still here'")
	p.expect("still here")
	p.expect("> ")
	p.send("\x03") // Ctrl-C on an empty line quits
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d after Ctrl-C on an empty line, want 0", code)
	}
}

// A task spawned at the prompt serves connections while the prompt waits
// for input.
func TestReplTasksRunWhileIdle(t *testing.T) {
	p := startPrompt(t, t.TempDir())
	p.expect("> ")
	p.line(`l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP) socket_bind(l, "127.0.0.1", 0) socket_listen(l) _, _, port = socket_getsockname(l)`)
	p.expect("> ")
	p.line(`t = spawn(function() while true do local c = socket_accept(l) socket_write(c, "echo:" .. socket_read(c, 100, PHP_NORMAL_READ)) socket_close(c) end end)`)
	p.expect("> ")
	p.line("print('po' .. 'rt=' .. port .. '.')")
	p.expect("port=")
	p.mu.Lock()
	rest := p.out.String()[p.seen:]
	p.mu.Unlock()
	var port int
	fmt.Sscanf(rest, "%d", &port)
	p.expect("> ")
	for i := range 2 {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "hello %d\n", i)
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if want := fmt.Sprintf("echo:hello %d\n", i); err != nil || line != want {
			t.Fatalf("got %q, %v; want %q", line, err, want)
		}
	}
	p.line("= tostring(t)")
	p.expect("Task #")
	p.line("die(3)")
	if code := p.wait(); code != 3 {
		t.Fatalf("exit status %d after die(3), want 3", code)
	}
}

// History: the up arrow recalls the last line, and lines are saved to
// ~/.sockrun_history for the next session.
func TestReplHistory(t *testing.T) {
	home := t.TempDir()
	p := startPrompt(t, home)
	p.expect("> ")
	p.line("n = (n or 0) + 1 print('n is ' .. n)")
	p.expect("n is 1")
	p.send("\x1b[A\r") // up arrow, Enter
	p.expect("n is 2")
	p.expect("> ")
	p.send("\x04")
	p.wait()
	data, err := os.ReadFile(filepath.Join(home, ".sockrun_history"))
	if err != nil || string(data) != "n = (n or 0) + 1 print('n is ' .. n)\n" {
		t.Fatalf("history file: %q, %v", data, err)
	}

	p = startPrompt(t, home)
	p.expect("> ")
	p.send("\x1b[A\r")
	p.expect("n is 1")
	p.expect("> ")
	p.send("\x04")
	p.wait()
}

// sockrun -i SCRIPT runs the script, then opens the prompt on its globals.
func TestReplAfterScript(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, "greet.lua", "greeting = 'hi ' .. (...)\nprint('script ran')\n")
	p := startPrompt(t, dir, "-i", path, "there")
	p.expect("script ran")
	p.expect("> ")
	p.line("greeting")
	p.expect("hi there")
	p.expect("> ")
	p.send("\x04")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// Without a terminal, -i reads lines from stdin (no prompt, no editing),
// and no script without -i stays a usage error.
func TestReplPlainStdin(t *testing.T) {
	r := runProgram(t, "x = 2\nx * 21\nfunction f()\nreturn 'multi'\nend\nf()\n", binPath, "-i")
	if r.code != 0 || r.stdout != "42\nmulti\n" {
		t.Fatalf("got %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runProgram(t, "print(1)\n", binPath)
	if r.code != 2 || !strings.Contains(r.stderr, "no script given") {
		t.Fatalf("got %d, stderr %q", r.code, r.stderr)
	}
}

// Under --sandbox the history stays in memory: no file is written.
func TestReplSandboxKeepsNoHistoryFile(t *testing.T) {
	home := t.TempDir()
	p := startPrompt(t, home, "--sandbox")
	p.expect("> ")
	p.line("print('sand' .. 'boxed')")
	p.expect("sandboxed")
	p.expect("> ")
	p.send("\x1b[A\r")
	p.expect("sandboxed")
	p.expect("> ")
	p.send("\x04")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	if _, err := os.Stat(filepath.Join(home, ".sockrun_history")); !os.IsNotExist(err) {
		t.Fatalf("history file written under --sandbox (%v)", err)
	}
}
