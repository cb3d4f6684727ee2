package tests

// TLS at the API level: small Lua scripts using socket_enable_crypto against
// Go TLS peers, curl and openssl s_client, with certificates the tests make
// (a CA and leaves for localhost/127.0.0.1, written to temporary PEM files).
// The peers are on loopback, ports are picked by the kernel, and nothing
// sleeps to wait for a server: the tests wait on printed lines.

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hpPKI is a test CA and its PEM file.
type hpPKI struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	dir    string
	caFile string // the CA certificate, PEM
	pool   *x509.CertPool
}

func hpNewCA(t testing.TB) *hpPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sockrun test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &hpPKI{cert: cert, key: key, dir: dir, caFile: filepath.Join(dir, "ca.pem"), pool: x509.NewCertPool()}
	p.pool.AddCert(cert)
	hpWritePEM(t, p.caFile, "CERTIFICATE", der)
	return p
}

func hpWritePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// leaf issues a server certificate for localhost and 127.0.0.1 (and any
// further names), returning it for Go and as PEM files for sockrun.
func (p *hpPKI) leaf(t testing.TB, name string, extraNames ...string) (cert tls.Certificate, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     append([]string{"localhost"}, extraNames...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(p.dir, name+".crt")
	keyFile = filepath.Join(p.dir, name+".key")
	hpWritePEM(t, certFile, "CERTIFICATE", der)
	hpWritePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certFile, keyFile
}

// hpTLSPeer is a Go TLS server on 127.0.0.1 that runs serve for each
// connection after its handshake and reports each connection's state.
type hpTLSPeer struct {
	addr   string
	port   string
	states chan tls.ConnectionState
	errs   chan error // handshake failures
}

func hpStartTLSPeer(t testing.TB, config *tls.Config, serve func(*tls.Conn)) *hpTLSPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	peer := &hpTLSPeer{addr: ln.Addr().String(), port: port, states: make(chan tls.ConnectionState, 16), errs: make(chan error, 16)}
	go func() {
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer raw.Close()
				raw.SetDeadline(time.Now().Add(20 * time.Second))
				conn := tls.Server(raw, config)
				if err := conn.Handshake(); err != nil {
					peer.errs <- err
					return
				}
				peer.states <- conn.ConnectionState()
				if serve != nil {
					serve(conn)
				}
			}()
		}
	}()
	return peer
}

func (p *hpTLSPeer) state(t testing.TB) tls.ConnectionState {
	t.Helper()
	select {
	case st := <-p.states:
		return st
	case err := <-p.errs:
		t.Fatalf("the Go TLS peer's handshake failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the Go TLS peer saw no handshake within 10s")
	}
	return tls.ConnectionState{}
}

// handshakeFailed waits for the peer's report of a refused handshake.
func (p *hpTLSPeer) handshakeFailed(t testing.TB) {
	t.Helper()
	select {
	case <-p.errs:
	case st := <-p.states:
		t.Fatalf("the Go TLS peer completed a handshake (SNI %q) that should have failed", st.ServerName)
	case <-time.After(10 * time.Second):
		t.Fatal("the Go TLS peer saw no failed handshake within 10s")
	}
}

// hpLineEcho answers each line with "echo: " and the line.
func hpLineEcho(conn *tls.Conn) {
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := conn.Write([]byte("echo: " + line)); err != nil {
			return
		}
	}
}

// hpRunLua writes a Lua script to a temporary file and runs it (bounded by
// --timeout) with the arguments.
func hpRunLua(t testing.TB, code string, args ...string) result {
	t.Helper()
	script := writeFile(t, "script.lua", code)
	return runSockrun(t, append([]string{"--timeout", "20s", script}, args...)...)
}

// hpLuaTLSClient connects to HOST PORT, enables crypto with the options
// given as Lua table fields in OPTS (loaded as a chunk), sends a line and
// prints the reply.
const hpLuaTLSClient = `
local host, port, opts = arg[1], tonumber(arg[2]), assert(loadstring("return {" .. (arg[3] or "") .. "}"))()
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_connect(s, host, port))
local ok = socket_enable_crypto(s, true, opts)
print("enable_crypto", ok, socket_last_error(s))
if not ok then os.exit(3) end
assert(socket_write(s, "hello over tls\n") == 15)
print("reply", socket_read(s, 100, PHP_NORMAL_READ))
socket_close(s)
`

func TestTLSClientVerifiesPeer(t *testing.T) {
	t.Parallel()
	pki := hpNewCA(t)
	cert, _, _ := pki.leaf(t, "server")
	peer := hpStartTLSPeer(t, &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
	}, hpLineEcho)

	t.Run("cafile, peer name from connect, ALPN", func(t *testing.T) {
		res := hpRunLua(t, hpLuaTLSClient, "localhost", peer.port,
			`cafile = "`+pki.caFile+`", alpn_protocols = "x-sockrun,http/1.1"`)
		if res.code != 0 || !strings.Contains(res.stdout, "enable_crypto\ttrue\t0\n") ||
			!strings.Contains(res.stdout, "reply\techo: hello over tls\n") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		if res.stderr != "" {
			t.Errorf("unexpected stderr: %s", res.stderr)
		}
		st := peer.state(t)
		if st.ServerName != "localhost" {
			t.Errorf("SNI = %q, want localhost (the host given to socket_connect)", st.ServerName)
		}
		if st.NegotiatedProtocol != "http/1.1" {
			t.Errorf("ALPN negotiated %q, want http/1.1", st.NegotiatedProtocol)
		}
	})

	t.Run("ALPN as a table, peer_name over an IP connect", func(t *testing.T) {
		res := hpRunLua(t, hpLuaTLSClient, "127.0.0.1", peer.port,
			`cafile = "`+pki.caFile+`", peer_name = "localhost", alpn_protocols = {"http/1.1"}`)
		if res.code != 0 || !strings.Contains(res.stdout, "reply\techo: hello over tls\n") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		st := peer.state(t)
		if st.ServerName != "localhost" || st.NegotiatedProtocol != "http/1.1" {
			t.Errorf("SNI %q, ALPN %q; want localhost, http/1.1", st.ServerName, st.NegotiatedProtocol)
		}
	})

	t.Run("no cafile: unknown authority", func(t *testing.T) {
		res := hpRunLua(t, hpLuaTLSClient, "localhost", peer.port, ``)
		if res.code != 3 || !strings.Contains(res.stdout, "enable_crypto\tfalse\t71\n") {
			t.Fatalf("want enable_crypto false with EPROTO (71) and exit 3; exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stderr, "Warning: socket_enable_crypto(): ") || !strings.Contains(res.stderr, "certificate") {
			t.Errorf("want a socket_enable_crypto warning about the certificate; stderr:\n%s", res.stderr)
		}
		peer.handshakeFailed(t)
	})

	t.Run("cafile but the wrong peer name", func(t *testing.T) {
		res := hpRunLua(t, hpLuaTLSClient, "127.0.0.1", peer.port,
			`cafile = "`+pki.caFile+`", peer_name = "wrong.example"`)
		if res.code != 3 || !strings.Contains(res.stderr, "certificate") || !strings.Contains(res.stderr, "wrong.example") {
			t.Fatalf("want a certificate name mismatch; exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		peer.handshakeFailed(t)
	})

	t.Run("verify_peer false", func(t *testing.T) {
		res := hpRunLua(t, hpLuaTLSClient, "127.0.0.1", peer.port, `verify_peer = false`)
		if res.code != 0 || !strings.Contains(res.stdout, "reply\techo: hello over tls\n") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		peer.state(t)
	})
}

// hpLuaTLSServer accepts one connection on 127.0.0.1:0, enables crypto as
// the server with OPTS, answers one line in upper case and closes.
const hpLuaTLSServer = `
local opts = assert(loadstring("return {" .. (arg[1] or "") .. "}"))()
local l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_bind(l, "127.0.0.1", 0))
assert(socket_listen(l, 5))
local _, addr, port = socket_getsockname(l)
print("Listening on " .. addr .. ":" .. port)
local c = assert(socket_accept(l))
local ok = socket_enable_crypto(c, true, opts)
print("enable_crypto", ok)
if not ok then os.exit(3) end
local line = socket_read(c, 1000, PHP_NORMAL_READ)
socket_write(c, "upper: " .. line:upper())
socket_enable_crypto(c, false)
socket_close(c)
print("done")
`

func TestTLSServerSelfSigned(t *testing.T) {
	t.Parallel()
	p := startSockrun(t, "--timeout", "20s", writeFile(t, "server.lua", hpLuaTLSServer), "self_signed = true")
	m := p.waitLine(`^Listening on (.+)$`)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", m[1],
		&tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS dial: %v; stderr:\n%s", err, p.Stderr())
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		t.Fatal("no server certificate")
	}
	if err := certs[0].VerifyHostname("localhost"); err != nil {
		t.Errorf("the self-signed certificate is not for localhost: %v", err)
	}
	if _, err := conn.Write([]byte("make me loud\n")); err != nil {
		t.Fatal(err)
	}
	reply, err := io.ReadAll(conn) // to close_notify: io.EOF, not ErrUnexpectedEOF
	if err != nil {
		t.Fatalf("reading to close_notify: %v (got %q)", err, reply)
	}
	if string(reply) != "upper: MAKE ME LOUD\n" {
		t.Errorf("reply %q", reply)
	}
	if code := p.wait(); code != 0 || !strings.Contains(p.Stdout(), "enable_crypto\ttrue\n") {
		t.Errorf("server exit %d\nstdout:\n%s\nstderr:\n%s", code, p.Stdout(), p.Stderr())
	}
}

func TestTLSServerWithoutCertificate(t *testing.T) {
	t.Parallel()
	p := startSockrun(t, "--timeout", "20s", writeFile(t, "server.lua", hpLuaTLSServer), "")
	m := p.waitLine(`^Listening on (.+)$`)
	conn := dialTCP(t, m[1])
	if code := p.wait(); code != 3 || !strings.Contains(p.Stdout(), "enable_crypto\tfalse\n") ||
		!strings.Contains(p.Stderr(), "local_cert") {
		t.Errorf("want false and a warning naming local_cert; exit %d\nstdout:\n%s\nstderr:\n%s", code, p.Stdout(), p.Stderr())
	}
	conn.Close()
}

// hpLuaHTTPS is a tiny HTTPS responder: for each connection, the request
// head, then a fixed response, close_notify and close.
const hpLuaHTTPS = `
local cert, key, body = arg[1], arg[2], arg[3]
local l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_bind(l, "127.0.0.1", 0))
assert(socket_listen(l, 16))
local _, addr, port = socket_getsockname(l)
print("Listening on " .. addr .. ":" .. port)
while true do
  local c = socket_accept(l)
  if c and socket_enable_crypto(c, true, {local_cert = cert, local_pk = key}) then
    local req = ""
    while not req:find("\r\n\r\n", 1, true) do
      local data = socket_read(c, 4096)
      if not data or data == "" then break end
      req = req .. data
    end
    print("request: " .. (req:match("^[^\r\n]*") or ""))
    socket_write(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #body ..
      "\r\nConnection: close\r\n\r\n" .. body)
    socket_enable_crypto(c, false)
  end
  if c then socket_close(c) end
end
`

func TestTLSServerLocalCertCurl(t *testing.T) {
	t.Parallel()
	curl := requireTool(t, "curl")
	pki := hpNewCA(t)
	_, certFile, keyFile := pki.leaf(t, "https")
	body := "hello from a Lua HTTPS responder\n"
	p := startSockrun(t, "--timeout", "20s", writeFile(t, "https.lua", hpLuaHTTPS), certFile, keyFile, body)
	m := p.waitLine(`^Listening on 127\.0\.0\.1:(\d+)$`)
	url := "https://localhost:" + m[1] + "/hello"

	res := runProgram(t, "", curl, "-sS", "--max-time", "10", "--cacert", pki.caFile,
		"--resolve", "localhost:"+m[1]+":127.0.0.1", url)
	if res.code != 0 || res.stdout != body {
		t.Fatalf("curl --cacert: exit %d, body %q; stderr:\n%s\nserver stderr:\n%s", res.code, res.stdout, res.stderr, p.Stderr())
	}
	p.waitLine(`^request: GET /hello HTTP/1\.1$`)

	// Without the CA curl must refuse: the certificate really is the test's.
	res = runProgram(t, "", curl, "-sS", "--max-time", "10", "--resolve", "localhost:"+m[1]+":127.0.0.1", url)
	if res.code == 0 || !strings.Contains(strings.ToLower(res.stderr), "certificate") {
		t.Errorf("curl without --cacert: exit %d, stderr %q", res.code, res.stderr)
	}
}

// hpLuaBanner serves a TLS banner with local_cert, then close_notify.
const hpLuaBanner = `
local l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_bind(l, "127.0.0.1", 0))
assert(socket_listen(l, 4))
local _, addr, port = socket_getsockname(l)
print("Listening on " .. addr .. ":" .. port)
local c = assert(socket_accept(l))
print("enable_crypto", socket_enable_crypto(c, true, {local_cert = arg[1], local_pk = arg[2]}))
socket_write(c, "220 sockrun TLS banner ready\r\n")
print("disable_crypto", socket_enable_crypto(c, false))
socket_close(c)
`

func TestTLSServerOpensslBanner(t *testing.T) {
	t.Parallel()
	openssl := requireTool(t, "openssl")
	pki := hpNewCA(t)
	_, certFile, keyFile := pki.leaf(t, "banner")
	p := startSockrun(t, "--timeout", "20s", writeFile(t, "banner.lua", hpLuaBanner), certFile, keyFile)
	m := p.waitLine(`^Listening on (.+)$`)
	res := runProgram(t, "", openssl, "s_client", "-connect", m[1], "-servername", "localhost",
		"-CAfile", pki.caFile, "-verify_return_error", "-verify_hostname", "localhost", "-brief", "-ign_eof")
	if res.code != 0 || res.stdout != "220 sockrun TLS banner ready\r\n" {
		t.Fatalf("openssl s_client: exit %d, stdout %q\nstderr:\n%s\nserver stderr:\n%s", res.code, res.stdout, res.stderr, p.Stderr())
	}
	if !strings.Contains(res.stderr, "Verification: OK") {
		t.Errorf("s_client did not verify the certificate:\n%s", res.stderr)
	}
	if code := p.wait(); code != 0 || !strings.Contains(p.Stdout(), "enable_crypto\ttrue\ndisable_crypto\ttrue\n") {
		t.Errorf("server exit %d\nstdout:\n%s\nstderr:\n%s", code, p.Stdout(), p.Stderr())
	}
}

// TestTLSSelectSeesBufferedPlaintext: two messages arrive in one TLS record;
// after the script takes 5 bytes the rest is decrypted and held inside
// sockrun, with nothing left on the descriptor, and socket_select must still
// call the socket readable.
func TestTLSSelectSeesBufferedPlaintext(t *testing.T) {
	t.Parallel()
	pki := hpNewCA(t)
	cert, _, _ := pki.leaf(t, "select")
	peer := hpStartTLSPeer(t, &tls.Config{Certificates: []tls.Certificate{cert}}, func(conn *tls.Conn) {
		conn.Write([]byte("first message\nsecond message\n")) // one write, one record
		r := bufio.NewReader(conn)
		if line, err := r.ReadString('\n'); err != nil || line != "more\n" {
			return
		}
		conn.Write([]byte("later\n"))
		io.Copy(io.Discard, r)
	})
	script := `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_connect(s, "127.0.0.1", tonumber(arg[1])))
assert(socket_enable_crypto(s, true, {cafile = arg[2], peer_name = "localhost"}))
print("read5", socket_read(s, 5))
local r = {s}
local n = socket_select(r, nil, nil, 0)
print("select pending", n, r[1] == s)
print("rest", (string.format("%q", socket_read(s, 100))))
r = {s}
print("select drained", socket_select(r, nil, nil, 0), r[1] == nil)
local n, data = socket_recv(s, 100, MSG_DONTWAIT)
print("recv dontwait", n, data, socket_last_error(s))
socket_write(s, "more\n")
r = {s}
print("select later", socket_select(r, nil, nil, 10), r[1] == s)
print("line", (string.format("%q", socket_read(s, 100, PHP_NORMAL_READ))))
socket_close(s)
`
	res := hpRunLua(t, script, peer.port, pki.caFile)
	want := "read5\tfirst\n" +
		"select pending\t1\ttrue\n" +
		"rest\t\" message\\nsecond message\\n\"\n" +
		"select drained\t0\ttrue\n" +
		"recv dontwait\tfalse\tnil\t11\n" +
		"select later\t1\ttrue\n" +
		"line\t\"later\\n\"\n"
	if res.code != 0 || res.stdout != want {
		t.Fatalf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", res.code, res.stdout, want, res.stderr)
	}
}

// TestTLSDisableSendsCloseNotify: socket_enable_crypto(s, false) sends
// close_notify (the Go peer's Read gives io.EOF, which crypto/tls reports
// only for close_notify) and leaves a plain socket that still works.
func TestTLSDisableSendsCloseNotify(t *testing.T) {
	t.Parallel()
	pki := hpNewCA(t)
	cert, _, _ := pki.leaf(t, "notify")
	got := make(chan string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			got <- "accept: " + err.Error()
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(20 * time.Second))
		conn := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}})
		data, err := io.ReadAll(conn) // nil only at close_notify
		if err != nil {
			got <- "tls read ended with " + err.Error() + " after " + string(data)
			return
		}
		got <- "tls data " + string(data) + " then close_notify"
		raw.Write([]byte("plain bye\n")) // after TLS, on the bare connection
		io.Copy(io.Discard, raw)
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	script := `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_connect(s, "localhost", tonumber(arg[1])))
print("enable", socket_enable_crypto(s, true, {cafile = arg[2]}))
print("write", socket_write(s, "secret"))
print("disable", socket_enable_crypto(s, false))
print("disable again", socket_enable_crypto(s, false))
print("plain", socket_read(s, 100, PHP_NORMAL_READ))
socket_close(s)
`
	res := hpRunLua(t, script, port, pki.caFile)
	want := "enable\ttrue\nwrite\t6\ndisable\ttrue\ndisable again\ttrue\nplain\tplain bye\n\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", res.code, res.stdout, want, res.stderr)
	}
	select {
	case s := <-got:
		if s != "tls data secret then close_notify" {
			t.Errorf("Go peer: %s", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the Go peer saw nothing within 10s")
	}
}

// hpLuaTLSTaskServer: one task per connection, each doing its own
// handshake and answering lines until the client leaves.
const hpLuaTLSTaskServer = `
local l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_bind(l, "127.0.0.1", 0))
assert(socket_listen(l, 64))
local _, addr, port = socket_getsockname(l)
print("Listening on " .. addr .. ":" .. port)
local served = 0
local function handle(c)
  if not socket_enable_crypto(c, true, {self_signed = true}) then socket_close(c) return end
  while true do
    local line = socket_read(c, 1000, PHP_NORMAL_READ)
    if not line or line == "" then break end
    socket_write(c, "upper: " .. line:upper())
  end
  socket_close(c)
  served = served + 1
  print("served " .. served)
end
while true do
  local c = socket_accept(l)
  if c then spawn(handle, c) end
end
`

// TestTLSServerTasks: a client that connects and never starts its
// handshake suspends only its own task; 20 TLS clients at once are served
// meanwhile, each with a large reply crossing many TLS records.
func TestTLSServerTasks(t *testing.T) {
	t.Parallel()
	p := startSockrun(t, "--timeout", "30s", writeFile(t, "tasks.lua", hpLuaTLSTaskServer))
	m := p.waitLine(`^Listening on (.+)$`)
	stalled := dialTCP(t, m[1]) // never sends a ClientHello
	_ = stalled
	const clients = 20
	errs := make(chan error, clients)
	for i := range clients {
		go func() {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", m[1],
				&tls.Config{InsecureSkipVerify: true})
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			r := bufio.NewReader(conn)
			for j := range 3 {
				line := strings.Repeat(string(rune('a'+i)), 40000+j) + "\n"
				if _, err := conn.Write([]byte(line)); err != nil {
					errs <- err
					return
				}
				// PHP_NORMAL_READ takes at most 1000 bytes: the reply comes in pieces.
				want := ""
				for k := 0; k < len(line); k += 1000 {
					want += "upper: " + strings.ToUpper(line[k:min(k+1000, len(line))])
				}
				got := make([]byte, len(want))
				if _, err := io.ReadFull(r, got); err != nil {
					errs <- err
					return
				}
				if string(got) != want {
					errs <- errors.New("client " + string(rune('a'+i)) + ": wrong reply")
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatalf("client: %v\nserver stderr:\n%s", err, p.Stderr())
		}
	}
	p.waitLine(`^served 20$`)
}

// TestTLSSelectWhileAnotherTaskReads: a task is parked in socket_read on a
// TLS socket while the main chunk polls the same socket with
// socket_select(..., 0). The poll must return at once (nothing is there)
// and must not stop the scheduler: the main chunk then asks the peer for
// data, which the parked reader must receive.
func TestTLSSelectWhileAnotherTaskReads(t *testing.T) {
	t.Parallel()
	pki := hpNewCA(t)
	cert, _, _ := pki.leaf(t, "concurrent")
	peer := hpStartTLSPeer(t, &tls.Config{Certificates: []tls.Certificate{cert}}, func(conn *tls.Conn) {
		r := bufio.NewReader(conn)
		if line, err := r.ReadString('\n'); err == nil && line == "now\n" {
			conn.Write([]byte("data for the reader\n"))
		}
		io.Copy(io.Discard, r)
	})
	script := `
local s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP)
assert(socket_connect(s, "127.0.0.1", tonumber(arg[1])))
assert(socket_enable_crypto(s, true, {cafile = arg[2], peer_name = "localhost"}))
local reader = spawn(function() return socket_read(s, 100), socket_last_error(s) end)
coroutine.yield() -- the reader runs first and goes to wait in its read
sleep(0.1) -- its goroutine is inside the TLS read by now (nothing to observe from Lua)
local t0 = microtime(true)
local r = {s}
local n = socket_select(r, nil, nil, 0)
print("select", n, microtime(true) - t0 < 1)
socket_write(s, "now\n")
print("reader", wait(reader))
`
	res := runSockrun(t, "--timeout", "5s", writeFile(t, "concurrent.lua", script), peer.port, pki.caFile)
	want := "select\t0\ttrue\nreader\ttrue\tdata for the reader\n\t0\n"
	if res.code != 0 || res.stdout != want {
		t.Fatalf("exit %d (124: deadlocked until --timeout)\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", res.code, res.stdout, want, res.stderr)
	}
}
