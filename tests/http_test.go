package tests

// End-to-end tests of scripts/http_get.lua (against Go net/http servers,
// plain and TLS, on loopback) and scripts/http_server.lua (against curl and
// raw Go clients: keep-alive, pipelining, HEAD, errors, path traversal,
// binary files, parallel clients).

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hpBinaryBody is every byte value, then random bytes: 256 KiB in all.
func hpBinaryBody(t testing.TB, n int) []byte {
	t.Helper()
	body := make([]byte, n)
	for i := range 256 {
		body[i] = byte(i)
	}
	if _, err := rand.Read(body[256:]); err != nil {
		t.Fatal(err)
	}
	return body
}

// hpSplitResponse splits http_get's output at the first empty line: the
// status line and headers, and the body.
func hpSplitResponse(t testing.TB, out string) (head []string, body string) {
	t.Helper()
	i := strings.Index(out, "\n\n")
	if i < 0 {
		t.Fatalf("no blank line after the headers in:\n%q", out)
	}
	return strings.Split(out[:i], "\n"), out[i+2:]
}

func hpHasHeader(head []string, want string) bool {
	for _, h := range head[1:] {
		if strings.EqualFold(h, want) {
			return true
		}
	}
	return false
}

// hpSeenRequest is what the Go server saw of one request.
type hpSeenRequest struct {
	method, uri, host, connection, ua, sni string
	proto                                  string
}

// hpTestMux serves the paths the http_get tests fetch, recording requests.
func hpTestMux(t testing.TB, binary []byte, seen chan<- hpSeenRequest) http.Handler {
	mux := http.NewServeMux()
	record := func(r *http.Request) {
		s := hpSeenRequest{method: r.Method, uri: r.RequestURI, host: r.Host, connection: r.Header.Get("Connection"),
			ua: r.Header.Get("User-Agent"), proto: r.Proto}
		if r.TLS != nil {
			s.sni = r.TLS.ServerName
		}
		select {
		case seen <- s:
		default:
		}
	}
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "22")
		io.WriteString(w, "hello, content-length\n")
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Trailer", "X-Checksum")
		for i := range 5 {
			fmt.Fprintf(w, "chunk %d;", i)
			w.(http.Flusher).Flush() // one chunk each
		}
		w.Write(bytes.Repeat([]byte("z"), 70000)) // a chunk bigger than one read
		w.Header().Set("X-Checksum", "trailer-value")
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(binary)))
		w.Write(binary)
	})
	mux.HandleFunc("/binary-chunked", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		for i := 0; i < len(binary); i += 10000 {
			w.Write(binary[i:min(i+10000, len(binary))])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Redirect(w, r, "/length", http.StatusFound)
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		fmt.Fprintf(w, "uri=%s host=%s", r.RequestURI, r.Host)
	})
	mux.HandleFunc("/until-close", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, no chunks:\r\nthe body ends when the server closes\n")
		buf.Flush()
		if tc, ok := conn.(*tls.Conn); ok {
			tc.Close() // close_notify first
			return
		}
		conn.Close()
	})
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much")
		buf.Flush()
		conn.Close()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Error(w, "no such page", http.StatusNotFound)
	})
	return mux
}

func hpHTTPGet(t testing.TB, url string, args ...string) result {
	t.Helper()
	return runSockrun(t, append([]string{"--timeout", "20s", "scripts/http_get.lua", url}, args...)...)
}

func hpSeen(t testing.TB, seen <-chan hpSeenRequest) hpSeenRequest {
	t.Helper()
	select {
	case s := <-seen:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the Go server saw no request")
	}
	return hpSeenRequest{}
}

func TestHTTPGetPlain(t *testing.T) {
	t.Parallel()
	binary := hpBinaryBody(t, 256<<10)
	seen := make(chan hpSeenRequest, 1)
	srv := httptest.NewServer(hpTestMux(t, binary, seen))
	defer srv.Close()
	base := srv.URL // http://127.0.0.1:PORT
	hostPort := strings.TrimPrefix(base, "http://")

	t.Run("content-length", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/length")
		head, body := hpSplitResponse(t, res.stdout)
		if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != "hello, content-length\n" ||
			!hpHasHeader(head, "Content-Length: 22") || !hpHasHeader(head, "Content-Type: text/plain") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		s := hpSeen(t, seen)
		if s.method != "GET" || s.uri != "/length" || s.host != hostPort || s.connection != "close" || s.proto != "HTTP/1.1" {
			t.Errorf("the server saw %+v", s)
		}
	})

	t.Run("chunked", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/chunked")
		head, body := hpSplitResponse(t, res.stdout)
		want := "chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;" + strings.Repeat("z", 70000)
		if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || !hpHasHeader(head, "Transfer-Encoding: chunked") || body != want {
			t.Fatalf("exit %d, head %q, body %d bytes (want %d)\nstderr:\n%s", res.code, head, len(body), len(want), res.stderr)
		}
		hpSeen(t, seen)
	})

	t.Run("binary", func(t *testing.T) {
		for _, path := range []string{"/binary", "/binary-chunked"} {
			res := hpHTTPGet(t, base+path)
			head, body := hpSplitResponse(t, res.stdout)
			if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != string(binary) {
				t.Fatalf("%s: exit %d, head %q, body %d bytes, equal %v\nstderr:\n%s", path, res.code, head, len(body), body == string(binary), res.stderr)
			}
			hpSeen(t, seen)
		}
	})

	t.Run("404", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/missing")
		head, body := hpSplitResponse(t, res.stdout)
		if res.code != 0 || head[0] != "HTTP/1.1 404 Not Found" || body != "no such page\n" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		hpSeen(t, seen)
	})

	t.Run("redirect shown as is", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/redirect")
		head, _ := hpSplitResponse(t, res.stdout)
		if res.code != 0 || head[0] != "HTTP/1.1 302 Found" || !hpHasHeader(head, "Location: /length") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		hpSeen(t, seen)
		select {
		case s := <-seen:
			t.Errorf("the redirect was followed: %+v", s)
		default:
		}
	})

	t.Run("path and query", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/query?a=1&b=two%20words#fragment")
		_, body := hpSplitResponse(t, res.stdout)
		if want := "uri=/query?a=1&b=two%20words host=" + hostPort; res.code != 0 || body != want {
			t.Fatalf("exit %d, body %q, want %q\nstderr:\n%s", res.code, body, want, res.stderr)
		}
		hpSeen(t, seen)
	})

	t.Run("read until close", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/until-close")
		head, body := hpSplitResponse(t, res.stdout)
		if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != "no length, no chunks:\r\nthe body ends when the server closes\n" {
			t.Fatalf("exit %d\nstdout:\n%q\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		hpSeen(t, seen)
	})

	t.Run("truncated body", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/truncated")
		if res.code != 1 || !strings.Contains(res.stderr, "closed the connection after 14 of 100 body bytes") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		hpSeen(t, seen)
	})
}

func TestHTTPGetFailures(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"127.0.0.1/x", "ftp://127.0.0.1/", "http://", "http://127.0.0.1:99999/", "http://127.0.0.1:x/",
		"http://a b/", "http://[::1/", "http://user@127.0.0.1/"} {
		res := hpHTTPGet(t, url)
		if res.code != 1 || !strings.HasPrefix(res.stderr, "http_get: bad URL "+url+": ") || res.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", url, res.code, res.stdout, res.stderr)
		}
	}

	// A port nothing listens on: refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res := hpHTTPGet(t, "http://"+addr+"/")
	if res.code != 1 || !strings.Contains(res.stderr, "http_get: cannot connect to "+addr+": Connection refused") || res.stdout != "" {
		t.Errorf("refused: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}

	// Usage errors: exit 2 with the usage line.
	for _, args := range [][]string{{}, {"-h"}, {"--help"}, {"http://127.0.0.1/", "--bogus"}, {"http://127.0.0.1/", "--cacert"}} {
		res := runSockrun(t, append([]string{"scripts/http_get.lua"}, args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, "usage: sockrun scripts/http_get.lua URL") {
			t.Errorf("%q: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}

	// Not HTTP at all.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		conn.Write([]byte("SSH-2.0-OpenSSH_9.0\r\n"))
		conn.Close()
	}()
	res = hpHTTPGet(t, "http://"+ln.Addr().String()+"/")
	if res.code != 1 || !strings.Contains(res.stderr, "not an HTTP response") {
		t.Errorf("not HTTP: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestHTTPGetTLS(t *testing.T) {
	t.Parallel()
	pki := hpNewCA(t)
	cert, _, _ := pki.leaf(t, "https")
	binary := hpBinaryBody(t, 256<<10)
	seen := make(chan hpSeenRequest, 1)
	srv := httptest.NewUnstartedServer(hpTestMux(t, binary, seen))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "https://localhost:" + port

	t.Run("cacert", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/length", "--cacert", pki.caFile)
		head, body := hpSplitResponse(t, res.stdout)
		if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != "hello, content-length\n" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		s := hpSeen(t, seen)
		if s.sni != "localhost" || s.host != "localhost:"+port {
			t.Errorf("SNI %q, Host %q; want localhost and localhost:%s", s.sni, s.host, port)
		}
	})

	t.Run("cacert from the environment, binary and chunked", func(t *testing.T) {
		for _, path := range []string{"/binary", "/binary-chunked", "/until-close"} {
			cmd := exec.Command(binPath, "--timeout", "20s", "scripts/http_get.lua", base+path)
			cmd.Dir = rootDir
			cmd.Env = append(os.Environ(), "HTTP_GET_CACERT="+pki.caFile)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\nstderr:\n%s", path, err, stderr.String())
			}
			_, body := hpSplitResponse(t, string(out))
			want := string(binary)
			if path == "/until-close" {
				want = "no length, no chunks:\r\nthe body ends when the server closes\n"
			}
			if body != want {
				t.Errorf("%s: body of %d bytes differs from the %d sent", path, len(body), len(want))
			}
			hpSeen(t, seen)
		}
	})

	t.Run("by IP address", func(t *testing.T) {
		res := hpHTTPGet(t, "https://127.0.0.1:"+port+"/length", "--cacert="+pki.caFile)
		if _, body := hpSplitResponse(t, res.stdout); res.code != 0 || body != "hello, content-length\n" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		hpSeen(t, seen)
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		res := hpHTTPGet(t, base+"/length")
		if res.code != 1 || res.stdout != "" || !strings.Contains(res.stderr, "certificate") ||
			!strings.Contains(res.stderr, "http_get: TLS handshake with localhost:"+port+" failed") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		select {
		case s := <-seen:
			t.Errorf("a request got through: %+v", s)
		default:
		}
	})

	t.Run("insecure", func(t *testing.T) {
		for _, env := range []string{"", "HTTP_GET_INSECURE=1"} {
			args := []string{"--timeout", "20s", "scripts/http_get.lua", base + "/length"}
			if env == "" {
				args = append(args, "--insecure")
			}
			cmd := exec.Command(binPath, args...)
			cmd.Dir = rootDir
			cmd.Env = os.Environ()
			if env != "" {
				cmd.Env = append(cmd.Env, env)
			}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.HasSuffix(string(out), "\n\nhello, content-length\n") {
				t.Fatalf("%q: %v\n%s", env, err, out)
			}
			hpSeen(t, seen)
		}
	})
}

// hpHTTPServer is a running scripts/http_server.lua.
type hpHTTPServer struct {
	*process
	addr string // 127.0.0.1:PORT
	base string // http://127.0.0.1:PORT
	dir  string
}

// hpServerFiles lays out a document root (with a secret one level above it).
func hpServerFiles(t testing.TB) (dir string, files map[string][]byte) {
	t.Helper()
	top := t.TempDir()
	dir = filepath.Join(top, "www")
	files = map[string][]byte{
		"index.html":       []byte("<h1>home</h1>\n"),
		"hello.txt":        []byte("hello, world\n"),
		"style.css":        []byte("body { color: red }\n"),
		"sub/data.json":    []byte(`{"ok": true}` + "\n"),
		"sub/index.html":   []byte("<p>sub</p>\n"),
		"data.bin":         hpBinaryBody(t, 300<<10),
		"with space.txt":   []byte("spaced out\n"),
		"empty.txt":        {},
		"../secret.txt":    []byte("TOP SECRET\n"),
		"sub/deep/x.txt":   []byte("deep\n"),
		"noext":            []byte("no extension\n"),
		"sub/deep/y.jpeg":  []byte("\xff\xd8\xff not really a jpeg"),
		"sub/deep/z.png":   []byte("\x89PNG\r\n\x1a\n"),
		"sub/deep/app.js":  []byte("console.log(1)\n"),
		"sub/deep/doc.htm": []byte("<p>htm</p>\n"),
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

func hpStartHTTPServer(t testing.TB, dir string) *hpHTTPServer {
	t.Helper()
	p := startSockrun(t, "scripts/http_server.lua", "127.0.0.1", "0", dir)
	m := p.waitLine(`^Listening on (127\.0\.0\.1):(\d+)$`)
	addr := m[1] + ":" + m[2]
	return &hpHTTPServer{process: p, addr: addr, base: "http://" + addr, dir: dir}
}

// hpLogLine is one request line of the server's log.
var hpLogLine = regexp.MustCompile(`^\[conn (\d+)\] 127\.0\.0\.1:(\d+) "(.*)" (\d{3}) (\d+)$`)

type hpLogEntry struct {
	conn    int
	request string
	status  int
	bytes   int
}

func hpLogEntries(log string) []hpLogEntry {
	var entries []hpLogEntry
	for _, line := range strings.Split(log, "\n") {
		if m := hpLogLine.FindStringSubmatch(line); m != nil {
			conn, _ := strconv.Atoi(m[1])
			status, _ := strconv.Atoi(m[4])
			n, _ := strconv.Atoi(m[5])
			entries = append(entries, hpLogEntry{conn: conn, request: m[3], status: status, bytes: n})
		}
	}
	return entries
}

// waitRequests waits until the log shows n request lines and returns them.
func (s *hpHTTPServer) waitRequests(t testing.TB, n int) []hpLogEntry {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if e := hpLogEntries(s.Stdout()); len(e) >= n {
			return e
		}
		select {
		case _, ok := <-s.lines:
			if !ok {
				t.Fatalf("server ended; stdout:\n%s\nstderr:\n%s", s.Stdout(), s.Stderr())
			}
		case <-deadline:
			t.Fatalf("the log did not show %d requests; stdout:\n%s\nstderr:\n%s", n, s.Stdout(), s.Stderr())
		}
	}
}

func TestHTTPServerCurl(t *testing.T) {
	t.Parallel()
	curl := requireTool(t, "curl")
	dir, files := hpServerFiles(t)
	s := hpStartHTTPServer(t, dir)
	get := func(args ...string) result {
		t.Helper()
		return runProgram(t, "", curl, append([]string{"-sS", "--max-time", "10"}, args...)...)
	}

	t.Run("files and content types", func(t *testing.T) {
		cases := []struct{ path, file, ctype string }{
			{"/hello.txt", "hello.txt", "text/plain; charset=utf-8"},
			{"/", "index.html", "text/html; charset=utf-8"},
			{"/style.css", "style.css", "text/css; charset=utf-8"},
			{"/sub/data.json", "sub/data.json", "application/json"},
			{"/sub/", "sub/index.html", "text/html; charset=utf-8"},
			{"/with%20space.txt?query=ignored", "with space.txt", "text/plain; charset=utf-8"},
			{"/empty.txt", "empty.txt", "text/plain; charset=utf-8"},
			{"/noext", "noext", "application/octet-stream"},
			{"/sub/deep/y.jpeg", "sub/deep/y.jpeg", "image/jpeg"},
			{"/sub/deep/z.png", "sub/deep/z.png", "image/png"},
			{"/sub/deep/app.js", "sub/deep/app.js", "text/javascript; charset=utf-8"},
			{"/sub/deep/doc.htm", "sub/deep/doc.htm", "text/html; charset=utf-8"},
		}
		for _, c := range cases {
			res := get("-w", "\n%{http_code} %{content_type}", s.base+c.path)
			want := string(files[c.file]) + "\n200 " + c.ctype
			if res.code != 0 || res.stdout != want {
				t.Errorf("%s: exit %d, got %q, want %q (%s)", c.path, res.code, res.stdout, want, res.stderr)
			}
		}
	})

	t.Run("binary file byte for byte", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "data.bin")
		res := get("-o", out, "-w", "%{http_code} %{size_download}", s.base+"/data.bin")
		got, _ := os.ReadFile(out)
		if res.code != 0 || res.stdout != fmt.Sprintf("200 %d", len(files["data.bin"])) || !bytes.Equal(got, files["data.bin"]) {
			t.Fatalf("exit %d, %q, %d bytes, equal %v; %s", res.code, res.stdout, len(got), bytes.Equal(got, files["data.bin"]), res.stderr)
		}
	})

	t.Run("404 and directory redirect", func(t *testing.T) {
		res := get("-i", s.base+"/no/such/file.txt")
		if res.code != 0 || !strings.HasPrefix(res.stdout, "HTTP/1.1 404 Not Found\r\n") || !strings.HasSuffix(res.stdout, "\r\n\r\n404 Not Found\n") {
			t.Errorf("404: %q %s", res.stdout, res.stderr)
		}
		res = get("-i", s.base+"/sub")
		if res.code != 0 || !strings.HasPrefix(res.stdout, "HTTP/1.1 301 Moved Permanently\r\n") || !strings.Contains(res.stdout, "\r\nLocation: /sub/\r\n") {
			t.Errorf("directory without a slash: %q %s", res.stdout, res.stderr)
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		res := get("-I", s.base+"/data.bin")
		if res.code != 0 || !strings.HasPrefix(res.stdout, "HTTP/1.1 200 OK\r\n") ||
			!strings.Contains(res.stdout, fmt.Sprintf("\r\nContent-Length: %d\r\n", len(files["data.bin"]))) ||
			!strings.Contains(res.stdout, "\r\nContent-Type: application/octet-stream\r\n") || !strings.HasSuffix(res.stdout, "\r\n\r\n") {
			t.Errorf("HEAD: %q %s", res.stdout, res.stderr)
		}
		res = get("-I", s.base+"/missing")
		if res.code != 0 || !strings.HasPrefix(res.stdout, "HTTP/1.1 404 Not Found\r\n") {
			t.Errorf("HEAD of a missing file: %q %s", res.stdout, res.stderr)
		}
	})

	t.Run("path traversal", func(t *testing.T) {
		for _, path := range []string{"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/sub/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt"} {
			res := get("--path-as-is", "-w", "\n%{http_code}", s.base+path)
			if res.code != 0 || strings.Contains(res.stdout, "TOP SECRET") || !(strings.HasSuffix(res.stdout, "\n403") || strings.HasSuffix(res.stdout, "\n404")) {
				t.Errorf("%s: %q %s", path, res.stdout, res.stderr)
			}
		}
	})

	t.Run("405", func(t *testing.T) {
		for _, method := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
			res := get("-i", "-X", method, "-d", "x=1", s.base+"/hello.txt")
			if res.code != 0 || !strings.HasPrefix(res.stdout, "HTTP/1.1 405 Method Not Allowed\r\n") || !strings.Contains(res.stdout, "\r\nAllow: GET, HEAD\r\n") {
				t.Errorf("%s: %q %s", method, res.stdout, res.stderr)
			}
		}
	})

	t.Run("keep-alive", func(t *testing.T) {
		before := len(hpLogEntries(s.Stdout()))
		res := get("-v", s.base+"/hello.txt", s.base+"/style.css", s.base+"/sub/data.json")
		want := string(files["hello.txt"]) + string(files["style.css"]) + string(files["sub/data.json"])
		if res.code != 0 || res.stdout != want {
			t.Fatalf("exit %d, %q; %s", res.code, res.stdout, res.stderr)
		}
		if n := strings.Count(res.stderr, "Re-using existing connection"); n != 2 {
			t.Errorf("curl re-used its connection %d times, want 2:\n%s", n, res.stderr)
		}
		entries := s.waitRequests(t, before+3)[before:]
		if entries[0].conn != entries[1].conn || entries[1].conn != entries[2].conn {
			t.Errorf("the three requests came on different connections: %+v", entries)
		}
		if entries[0].request != "GET /hello.txt HTTP/1.1" || entries[0].status != 200 || entries[0].bytes != len(files["hello.txt"]) {
			t.Errorf("log entry %+v", entries[0])
		}
	})

	t.Run("20 clients at once", func(t *testing.T) {
		before := len(hpLogEntries(s.Stdout()))
		tmp := t.TempDir()
		var wg sync.WaitGroup
		results := make([]result, 20)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = get("-o", filepath.Join(tmp, strconv.Itoa(i)), "-w", "%{http_code}", s.base+"/data.bin")
			}()
		}
		wg.Wait()
		for i, res := range results {
			got, _ := os.ReadFile(filepath.Join(tmp, strconv.Itoa(i)))
			if res.code != 0 || res.stdout != "200" || !bytes.Equal(got, files["data.bin"]) {
				t.Errorf("client %d: exit %d, %q, %d bytes; %s", i, res.code, res.stdout, len(got), res.stderr)
			}
		}
		conns := map[int]bool{}
		for _, e := range s.waitRequests(t, before+20)[before:] {
			conns[e.conn] = true
		}
		if len(conns) != 20 {
			t.Errorf("%d connections in the log, want 20", len(conns))
		}
	})

	t.Run("curl --parallel", func(t *testing.T) {
		var args []string
		tmp := t.TempDir()
		for i := range 10 {
			args = append(args, "-o", filepath.Join(tmp, strconv.Itoa(i)), s.base+"/data.bin")
		}
		res := get(append([]string{"--parallel", "--parallel-immediate", "--parallel-max", "10"}, args...)...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		for i := range 10 {
			if got, _ := os.ReadFile(filepath.Join(tmp, strconv.Itoa(i))); !bytes.Equal(got, files["data.bin"]) {
				t.Errorf("download %d: %d bytes, differs", i, len(got))
			}
		}
	})

	if strings.Contains(s.Stderr(), "sockrun:") {
		t.Errorf("errors on the server's stderr:\n%s", s.Stderr())
	}
}

// hpReadResponse reads one response (and its body) with net/http's parser.
func hpReadResponse(t testing.TB, r *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading a response to %s: %v", method, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return resp, string(body)
}

func TestHTTPServerPipelined(t *testing.T) {
	t.Parallel()
	dir, files := hpServerFiles(t)
	s := hpStartHTTPServer(t, dir)
	conn := dialTCP(t, s.addr)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)

	// Four requests in one write, one of them HEAD: its response must have no
	// body, or the next response would not parse.
	pipeline := "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
		"HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /sub/data.json HTTP/1.1\r\nHost: x\r\nUser-Agent: pipeline\r\n\r\n"
	if _, err := conn.Write([]byte(pipeline)); err != nil {
		t.Fatal(err)
	}
	resp, body := hpReadResponse(t, r, "GET")
	if resp.StatusCode != 200 || body != string(files["hello.txt"]) || resp.Close {
		t.Errorf("1: %d %q close=%v", resp.StatusCode, body, resp.Close)
	}
	resp, body = hpReadResponse(t, r, "HEAD")
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len(files["data.bin"])) {
		t.Errorf("2: %d %q length %d", resp.StatusCode, body, resp.ContentLength)
	}
	resp, body = hpReadResponse(t, r, "GET")
	if resp.StatusCode != 404 || body != "404 Not Found\n" {
		t.Errorf("3: %d %q", resp.StatusCode, body)
	}
	resp, body = hpReadResponse(t, r, "GET")
	if resp.StatusCode != 200 || body != string(files["sub/data.json"]) || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("4: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// A request split across writes, with a small body to read past.
	conn.Write([]byte("GET /hello.txt HTTP/1.1\r\nHo"))
	conn.Write([]byte("st: x\r\nContent-Length: 5\r\n\r\nabc"))
	conn.Write([]byte("deGET /style.css HTTP/1.1\r\nHost: x\r\n\r\n"))
	if resp, body = hpReadResponse(t, r, "GET"); resp.StatusCode != 200 || body != string(files["hello.txt"]) {
		t.Errorf("5: %d %q", resp.StatusCode, body)
	}
	if resp, body = hpReadResponse(t, r, "GET"); resp.StatusCode != 200 || body != string(files["style.css"]) {
		t.Errorf("6: %d %q", resp.StatusCode, body)
	}

	// Connection: close is honoured: the answer says so and the server closes.
	conn.Write([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	resp, body = hpReadResponse(t, r, "GET")
	if resp.StatusCode != 200 || body != string(files["hello.txt"]) || !resp.Close {
		t.Errorf("7: %d %q close=%v", resp.StatusCode, body, resp.Close)
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after Connection: close: %d bytes, %v (want EOF)", n, err)
	}
	entries := s.waitRequests(t, 7)
	for _, e := range entries {
		if e.conn != entries[0].conn {
			t.Errorf("requests on more than one connection: %+v", entries)
			break
		}
	}
	if entries[1].request != "HEAD /data.bin HTTP/1.1" || entries[1].bytes != 0 || entries[2].status != 404 {
		t.Errorf("log: %+v", entries)
	}
}

func TestHTTPServerProtocolErrors(t *testing.T) {
	t.Parallel()
	dir, files := hpServerFiles(t)
	s := hpStartHTTPServer(t, dir)
	exchange := func(raw string) (string, bool) {
		t.Helper()
		conn := dialTCP(t, s.addr)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		conn.Write([]byte(raw))
		out, err := io.ReadAll(conn) // the server must close
		if err != nil {
			return string(out), false
		}
		return string(out), true
	}
	cases := []struct{ name, raw, status string }{
		{"HTTP/1.0 closes", "GET /hello.txt HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK"},
		{"garbage", "hello there\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"no version", "GET /hello.txt\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"1.1 without Host", "GET /hello.txt HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"bad header line", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"relative target", "GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
		{"head too big", "GET /" + strings.Repeat("a", 20000) + " HTTP/1.1\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
	}
	for _, c := range cases {
		out, closed := exchange(c.raw)
		if !closed || !strings.HasPrefix(out, c.status+"\r\n") || !strings.Contains(out, "\r\nConnection: close\r\n") {
			t.Errorf("%s: closed %v, got %q", c.name, closed, out)
		}
	}
	if out, _ := exchange("GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasSuffix(out, "\r\n\r\n"+string(files["hello.txt"])) {
		t.Errorf("HTTP/1.0 body: %q", out)
	}

	// A client that resets in the middle of a download costs its task only.
	for range 3 {
		c := dialTCP(t, s.addr)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"))
		io.ReadFull(c, make([]byte, 1000))
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}

	// The server is still fine after all that.
	conn := dialTCP(t, s.addr)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
	if resp, body := hpReadResponse(t, bufio.NewReader(conn), "GET"); resp.StatusCode != 200 || body != string(files["hello.txt"]) {
		t.Errorf("after the errors: %d %q", resp.StatusCode, body)
	}
	if strings.Contains(s.Stderr(), "sockrun:") {
		t.Errorf("errors on the server's stderr:\n%s", s.Stderr())
	}
}

func TestHTTPServerUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"127.0.0.1", "notaport"}, {"127.0.0.1", "0", ".", "extra"}} {
		res := runSockrun(t, append([]string{"scripts/http_server.lua"}, args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, "usage: sockrun scripts/http_server.lua [ADDRESS [PORT [DIR]]]") {
			t.Errorf("%q: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
	res := runSockrun(t, "scripts/http_server.lua", "127.0.0.1", "0", filepath.Join(t.TempDir(), "nonexistent"))
	if res.code != 2 || !strings.Contains(res.stderr, "is not a readable directory") {
		t.Errorf("missing DIR: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestHTTPGetAgainstHTTPServer: the two scripts talk to each other.
func TestHTTPGetAgainstHTTPServer(t *testing.T) {
	t.Parallel()
	dir, files := hpServerFiles(t)
	s := hpStartHTTPServer(t, dir)
	res := hpHTTPGet(t, s.base+"/data.bin")
	head, body := hpSplitResponse(t, res.stdout)
	if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != string(files["data.bin"]) || !hpHasHeader(head, "Connection: close") {
		t.Fatalf("exit %d, head %q, body %d bytes; %s", res.code, head, len(body), res.stderr)
	}
	if e := s.waitRequests(t, 1); e[0].request != "GET /data.bin HTTP/1.1" || e[0].bytes != len(files["data.bin"]) {
		t.Errorf("log: %+v", e)
	}
}

// TestHTTPGetAgainstHTTPServerIPv6: both scripts on ::1, the URL with a
// bracketed address (and the Host header with it).
func TestHTTPGetAgainstHTTPServerIPv6(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	dir, files := hpServerFiles(t)
	p := startSockrun(t, "scripts/http_server.lua", "::1", "0", dir)
	m := p.waitLine(`^Listening on ::1:(\d+)$`)
	res := hpHTTPGet(t, "http://[::1]:"+m[1]+"/hello.txt")
	head, body := hpSplitResponse(t, res.stdout)
	if res.code != 0 || head[0] != "HTTP/1.1 200 OK" || body != string(files["hello.txt"]) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nserver:\n%s", res.code, res.stdout, res.stderr, p.Stdout())
	}
	p.waitLine(`^\[conn 1\] \[::1\]:\d+ "GET /hello.txt HTTP/1\.1" 200 13$`)
}
