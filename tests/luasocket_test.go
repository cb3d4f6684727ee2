package tests

// End-to-end tests of LuaSocket's API (require("socket")) in sockrun: the
// scripts in tests/luasocket/ run under lua5.1 with Debian's lua-socket and
// under sockrun, and their outputs must be the same; a LuaSocket select
// server is driven by Go clients under both; tasks.lua checks what only
// sockrun has (tasks, PHP-style sockets beside LuaSocket objects).

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// requireLuaSocket skips unless lua5.1 and Debian's lua-socket (the
// reference, and the Lua half sockrun loads) are installed; under
// SOCKRUN_REQUIRE_TOOLS=1 that is a failure.
func requireLuaSocket(t *testing.T) string {
	t.Helper()
	lua := requireTool(t, "lua5.1")
	if _, err := os.Stat("/usr/share/lua/5.1/socket.lua"); err != nil {
		if os.Getenv("SOCKRUN_REQUIRE_TOOLS") != "" {
			t.Fatal("lua-socket is required (SOCKRUN_REQUIRE_TOOLS is set) but /usr/share/lua/5.1/socket.lua is missing")
		}
		t.Skip("lua-socket not installed (/usr/share/lua/5.1/socket.lua)")
	}
	return lua
}

// TestLuaSocketParity runs each script under lua5.1 + LuaSocket and under
// sockrun and compares their output line by line.
func TestLuaSocketParity(t *testing.T) {
	lua := requireLuaSocket(t)
	for _, name := range []string{"core", "mime", "dispatcher"} {
		t.Run(name, func(t *testing.T) {
			script := filepath.Join("tests", "luasocket", name+".lua")
			want := runProgram(t, "", lua, script)
			if want.code != 0 {
				t.Fatalf("lua5.1 %s: status %d\n%s%s", script, want.code, want.stdout, want.stderr)
			}
			got := runSockrun(t, script)
			if got.code != 0 {
				t.Fatalf("sockrun %s: status %d\nstdout:\n%s\nstderr:\n%s", script, got.code, got.stdout, got.stderr)
			}
			wantLines := strings.Split(want.stdout, "\n")
			gotLines := strings.Split(got.stdout, "\n")
			for i := 0; i < len(wantLines) || i < len(gotLines); i++ {
				var w, g string
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if w != g {
					t.Fatalf("line %d differs\nlua5.1:  %q\nsockrun: %q", i+1, w, g)
				}
			}
		})
	}
}

// TestLuaSocketSelectServer drives the same select server under lua5.1
// and sockrun with concurrent Go clients, lines split across writes
// included, and checks every reply.
func TestLuaSocketSelectServer(t *testing.T) {
	lua := requireLuaSocket(t)
	for _, interp := range []struct{ name, prog string }{{"sockrun", binPath}, {"lua5.1", lua}} {
		t.Run(interp.name, func(t *testing.T) {
			p := startProgram(t, interp.prog, filepath.Join("tests", "luasocket", "select_server.lua"))
			port := p.waitLine(`^listening on (\d+)$`)[1]
			addr := "127.0.0.1:" + port
			const clients = 40
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func(id int) {
					defer wg.Done()
					errs <- selectClient(addr, id)
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			// still serving after every client left
			if err := selectClient(addr, 99); err != nil {
				t.Fatal(err)
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte("shutdown\n"))
			if code := p.wait(); code != 0 {
				t.Fatalf("status %d; stderr:\n%s", code, p.Stderr())
			}
			c.Close()
		})
	}
}

// selectClient sends three lines (one in two pieces, one with CRLF) and a
// quit, checking each reply.
func selectClient(addr string, id int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	for i, piece := range [][]string{
		{fmt.Sprintf("hello %d\n", id)},
		{fmt.Sprintf("split %d ", id), "line\n"},
		{fmt.Sprintf("crlf %d\r\n", id)},
	} {
		for _, part := range piece {
			if _, err := c.Write([]byte(part)); err != nil {
				return err
			}
			time.Sleep(time.Millisecond) // let the server see the pieces apart
		}
		want := "OK " + strings.TrimRight(strings.Join(piece, ""), "\r\n") + "\n"
		got, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("client %d line %d: %v", id, i, err)
		}
		if got != want {
			return fmt.Errorf("client %d: got %q, want %q", id, got, want)
		}
	}
	c.Write([]byte("quit\n"))
	if _, err := r.ReadString('\n'); err == nil {
		return fmt.Errorf("client %d: connection still open after quit", id)
	}
	return nil
}

// TestLuaSocketTasks: blocking LuaSocket calls in tasks suspend only their
// task; timeouts in tasks; PHP-style sockets in socket.select; "l"/"a".
func TestLuaSocketTasks(t *testing.T) {
	requireLuaSocket(t)
	res := runSockrun(t, filepath.Join("tests", "luasocket", "tasks.lua"))
	want := `udp in task	nil	timeout
select mixed	1	true
luasocket reads php	from php	nil	nil
tick 1
tick 2
tick 3
main connects
accepted
got hello
reply HELLO
rest bye
receive closed meanwhile	nil	closed	
send closed meanwhile	nil	closed	true
select closed meanwhile	0	timeout
woke at once	true
`
	if res.code != 0 || res.stdout != want {
		t.Fatalf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", res.code, res.stdout, want, res.stderr)
	}
}

// TestLuaSocketBuiltin: with no socket.lua on the path, require("socket")
// is sockrun's own module with the core API and socket.lua's helpers.
func TestLuaSocketBuiltin(t *testing.T) {
	t.Parallel()
	res := runSockrun(t, "-e", `
package.path = ""
local socket = require("socket")
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
local c = assert(socket.connect4("127.0.0.1", port))
local s = assert(server:accept())
c:send("ping\n")
print(s:receive(), socket.try(1), socket._VERSION, socket.dns ~= nil, require("socket.core") == socket)
print(pcall(socket.try, nil, "failed"))
print(socket.protect(function() socket.try(nil, "caught") end)())
print(require("mime.core").b64("hi"))
print(pcall(require, "ltn12"))
`)
	want := "ping\t1\tLuaSocket 3.0.0\ttrue\ttrue\n"
	lines := strings.SplitN(res.stdout, "\n", 2)
	if res.code != 0 || lines[0]+"\n" != want {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, w := range []string{"false\ttable:", "nil\tcaught", "aGk=\tnil", "false\t"} {
		if !strings.Contains(lines[1], w) {
			t.Fatalf("missing %q in\n%s", w, res.stdout)
		}
	}
}

// TestLuaSocketHTTP: LuaSocket's own socket.http (Debian's file) over
// sockrun's socket.core, against a Go HTTP server on loopback, with the
// same output as under lua5.1: the simple and the ltn12 (generic) forms, a
// POST body, a redirect and a 404.
func TestLuaSocketHTTP(t *testing.T) {
	lua := requireLuaSocket(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "yes")
		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("name"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %d %s", r.Method, len(body), strings.ToUpper(string(body)))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.Handle("/old", http.RedirectHandler("/hello?name=moved", http.StatusFound))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	script := writeFile(t, "http.lua", `
local http = require("socket.http")
local ltn12 = require("ltn12")
local base = "http://" .. arg[1]
local body, code, headers = http.request(base .. "/hello?name=lua")
print(body, code, headers["x-test"])
local b, c, h, status = http.request(base .. "/echo", "posted data")
print(b, c, type(h), status)
local out = {}
local ok, code2 = http.request{url = base .. "/chunked", sink = ltn12.sink.table(out)}
print(ok, code2, table.concat(out))
print((http.request(base .. "/old")))
local _, c404, _, s404 = http.request(base .. "/missing")
print(c404, s404)
`)
	want := runProgram(t, "", lua, script, ln.Addr().String())
	got := runSockrun(t, script, ln.Addr().String())
	if want.code != 0 || got.code != 0 || got.stdout != want.stdout {
		t.Fatalf("lua5.1 (status %d):\n%s%s\nsockrun (status %d):\n%s%s", want.code, want.stdout, want.stderr, got.code, got.stdout, got.stderr)
	}
}
