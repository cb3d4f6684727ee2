package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverKind is one of the servers under test.
type serverKind struct {
	key   string // short name used in flags and tables
	label string // column heading
	desc  string
	// command returns the program and arguments that start the server on
	// 127.0.0.1 port 0, or a reason why it cannot run here.
	command func(e *env) (prog string, args []string, skip string)
}

var serverKinds = []*serverKind{
	{
		key: "server.lua", label: "server.lua", desc: "sockrun scripts/server.lua (one socket_select loop)",
		command: func(e *env) (string, []string, string) {
			if e.sockrun == "" {
				return "", nil, e.sockrunErr
			}
			return e.sockrun, []string{e.path("scripts/server.lua"), "127.0.0.1", "0"}, ""
		},
	},
	{
		key: "concurrent", label: "concurrent_server.lua", desc: "sockrun scripts/concurrent_server.lua (one task per client)",
		command: func(e *env) (string, []string, string) {
			if e.sockrun == "" {
				return "", nil, e.sockrunErr
			}
			return e.sockrun, []string{e.path("scripts/concurrent_server.lua"), "127.0.0.1", "0"}, ""
		},
	},
	{
		key: "php", label: "PHP select", desc: "php bench/php/select_server.php (php-cli, one socket_select loop)",
		command: func(e *env) (string, []string, string) {
			if e.php == "" {
				return "", nil, e.phpErr
			}
			return e.php, []string{e.path("bench/php/select_server.php"), "127.0.0.1", "0"}, ""
		},
	},
	{
		key: "luasocket", label: "LuaSocket select (lua5.4)", desc: "lua5.4 bench/lua/select_server.lua (LuaSocket's socket.select loop)",
		command: func(e *env) (string, []string, string) {
			if e.lua == "" {
				return "", nil, e.luaErr
			}
			if e.luaSocketErr != "" {
				return "", nil, e.luaSocketErr
			}
			return e.lua, []string{e.path("bench/lua/select_server.lua"), "127.0.0.1", "0"}, ""
		},
	},
	{
		key: "luasocket-sockrun", label: "LuaSocket select (sockrun)", desc: "sockrun bench/lua/select_server.lua (the same LuaSocket script on sockrun's socket.core)",
		command: func(e *env) (string, []string, string) {
			if e.sockrun == "" {
				return "", nil, e.sockrunErr
			}
			return e.sockrun, []string{e.path("bench/lua/select_server.lua"), "127.0.0.1", "0"}, ""
		},
	},
	{
		key: "go", label: "Go", desc: "bench goserver (goroutine per connection, the ceiling)",
		command: func(e *env) (string, []string, string) {
			return e.self, []string{"goserver", "127.0.0.1", "0"}, ""
		},
	},
}

// server is one running server process.
type server struct {
	kind   *serverKind
	cmd    *exec.Cmd
	pid    int
	addr   string // 127.0.0.1:PORT from its "Listening on" line
	exited chan struct{}
	status string // how it ended, once exited is closed

	mu    sync.Mutex
	tail  []string // its last lines of output
	notes []string // its first warnings and errors
}

var listeningRE = regexp.MustCompile(`Listening on ([0-9.]+):([0-9]+)`)
var noteRE = regexp.MustCompile(`(?i)warning|fatal|error|panic|cannot|could not|too many`)

// current is the server running now, killed if the benchmark is interrupted.
var current struct {
	sync.Mutex
	s *server
}

// startServer starts a server and waits for its "Listening on" line.
func startServer(k *serverKind, e *env) (*server, error) {
	prog, args, skip := k.command(e)
	if skip != "" {
		return nil, fmt.Errorf("%s", skip)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(prog, args...)
	cmd.Dir = e.root
	cmd.Stdout, cmd.Stderr = w, w
	// The server dies with the benchmark, however it ends.
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	w.Close()
	s := &server{kind: k, cmd: cmd, pid: cmd.Process.Pid, exited: make(chan struct{})}
	current.Lock()
	current.s = s
	current.Unlock()

	listening := make(chan string, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		s.readOutput(r, listening)
	}()
	go func() {
		err := cmd.Wait()
		<-readerDone
		if err != nil {
			s.status = err.Error()
		} else {
			s.status = "exit status 0"
		}
		close(s.exited)
	}()

	select {
	case addr := <-listening:
		s.addr = addr
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("exited before listening (%s): %s", s.status, s.lastOutput())
	case <-time.After(15 * time.Second):
		s.stop()
		return nil, fmt.Errorf("no \"Listening on\" line within 15 s: %s", s.lastOutput())
	}
}

// readOutput drains the server's stdout and stderr (the Lua servers log every
// connect and disconnect; a server blocked on a full pipe would stall), keeps
// its last lines and first warnings, and reports the listening address.
func (s *server) readOutput(r *os.File, listening chan<- string) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 64*1024)
	found := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			if len(line) > 300 {
				line = line[:300] + "..."
			}
			if !found {
				if m := listeningRE.FindStringSubmatch(line); m != nil {
					found = true
					listening <- m[1] + ":" + m[2]
				}
			}
			s.mu.Lock()
			if len(s.tail) >= 10 {
				s.tail = s.tail[1:]
			}
			s.tail = append(s.tail, line)
			// (Resets are the benchmark's own doing: it drops idle clients with RST.)
			if len(s.notes) < 3 && noteRE.MatchString(line) && !strings.HasPrefix(line, "Client ") &&
				!strings.Contains(line, "reset by peer") {
				s.notes = append(s.notes, strings.TrimSpace(line))
			}
			s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// firstNote is the server's first warning or error line, if any.
func (s *server) firstNote() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.notes) == 0 {
		return ""
	}
	return s.notes[0]
}

func (s *server) lastOutput() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tail) == 0 {
		return "(no output)"
	}
	n := len(s.tail)
	return strings.Join(s.tail[max(0, n-3):], " | ")
}

// dead returns why the server is gone, or "" while it runs.
func (s *server) dead() string {
	select {
	case <-s.exited:
		if n := s.firstNote(); n != "" {
			return fmt.Sprintf("server exited (%s) after saying: %s", s.status, n)
		}
		return fmt.Sprintf("server exited (%s); last output: %s", s.status, s.lastOutput())
	default:
		return ""
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 2 s.
func (s *server) stop() {
	if s == nil {
		return
	}
	current.Lock()
	if current.s == s {
		current.s = nil
	}
	current.Unlock()
	s.cmd.Process.Signal(syscall.SIGTERM) // may be gone already
	select {
	case <-s.exited:
	case <-time.After(2 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// killCurrent is for an interrupted benchmark.
func killCurrent() {
	current.Lock()
	s := current.s
	current.Unlock()
	if s != nil {
		s.cmd.Process.Kill()
	}
}

// rss is the process's resident set size in bytes, from /proc/PID/status.
func rss(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
