package runtime

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// TLS over the PHP-style sockets: socket_enable_crypto turns a connected
// socket into a TLS stream (crypto/tls), after which socket_read, _recv,
// _write, _send and socket_select work on the plaintext.
//
// crypto/tls reads whole records, so plaintext can be waiting inside sockrun
// while the descriptor has nothing to read: tlsState.pending holds what was
// decrypted and not yet given to the script, and socket_select counts a
// socket with pending plaintext (or a record that completes without waiting)
// as readable.

type tlsState struct {
	conn *tls.Conn
	// mu is held by whoever reads the TLS stream: a task's read parked on a
	// goroutine, or select's probe, which only tries it (a stream another
	// task is reading is not probed) so that select never waits.
	mu      sync.Mutex
	pending []byte
}

// sockConn is the net.Conn crypto/tls talks to: the socket's own poller-
// parked calls. wait says whether the current read may wait (a select probe
// and a nonblocking socket may not); writes always finish, since a partial
// TLS record cannot be taken back.
type sockConn struct {
	rt   *Runtime
	s    *Socket
	wait bool
}

// errWouldBlock is EAGAIN as crypto/tls must see it: a timeout, so that the
// connection stays usable.
type errWouldBlock struct{}

func (errWouldBlock) Error() string   { return "operation would block" }
func (errWouldBlock) Timeout() bool   { return true }
func (errWouldBlock) Temporary() bool { return true }

func (c *sockConn) Read(b []byte) (int, error) {
	n, err := c.rt.recv(c.s, b, 0, c.wait)
	switch {
	case err == unix.EAGAIN:
		return 0, errWouldBlock{}
	case err != nil:
		return 0, err
	case n == 0 && len(b) > 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *sockConn) Write(b []byte) (int, error) { return c.rt.send(c.s, b, 0, true) }
func (c *sockConn) Close() error                { return nil } // socket_close closes the descriptor
func (c *sockConn) LocalAddr() net.Addr         { return sockAddr(unix.Getsockname(c.s.fd)) }
func (c *sockConn) RemoteAddr() net.Addr        { return sockAddr(unix.Getpeername(c.s.fd)) }
func (c *sockConn) SetDeadline(time.Time) error { return nil } // Stop interrupts waits itself
func (c *sockConn) SetReadDeadline(time.Time) error {
	return nil
}
func (c *sockConn) SetWriteDeadline(time.Time) error { return nil }

func sockAddr(sa unix.Sockaddr, err error) net.Addr {
	addr, port, _ := formatSockaddr(sa)
	return &net.TCPAddr{IP: net.ParseIP(addr), Port: port}
}

// socketEnableCrypto: socket_enable_crypto(socket, enable[, options]) -> bool
//
// Options, named as PHP's SSL context options: peer_name (default: the host
// given to socket_connect), verify_peer (default true), cafile, local_cert,
// local_pk, alpn_protocols ("h2,http/1.1" or a table), and sockrun's
// self_signed (a server with no certificate gets one made on the fly) and
// server (which side; default: server for accepted sockets).
func socketEnableCrypto(a args) int {
	a.count(2, 3)
	s := a.socket(1, "socket")
	enable := phpBool(a.L.Get(2))
	opts, _ := a.L.Get(3).(*lua.LTable)
	if !a.absent(3) && opts == nil {
		a.raise("Argument #3 ($options) must be of type ?array, %s given", typeName(a.L.Get(3)))
	}
	if !enable {
		return a.disableCrypto(s)
	}
	if s.tls != nil {
		a.warn("Crypto is already enabled on this socket")
		a.L.Push(lua.LFalse)
		return 1
	}
	server := s.accepted
	if v := optField(opts, "server"); v != lua.LNil {
		server = phpBool(v)
	}
	config, err := a.tlsConfig(s, opts, server)
	if err != nil {
		return a.cryptoFailed(s, err)
	}
	adapter := &sockConn{rt: a.rt, s: s, wait: true}
	var conn *tls.Conn
	if server {
		conn = tls.Server(adapter, config)
	} else {
		conn = tls.Client(adapter, config)
	}
	return a.block(true, false, func(bool) error {
		return conn.Handshake()
	}, func(err error) int {
		if err != nil {
			if a.rt.Stopping() {
				a.L.RaiseError("%s", errStopped.Error())
			}
			return a.cryptoFailed(s, err)
		}
		s.tls = &tlsState{conn: conn}
		a.L.Push(lua.LTrue)
		return 1
	})
}

// cryptoFailed warns with crypto/tls's reason and records EPROTO.
func (a args) cryptoFailed(s *Socket, err error) int {
	code := int(unix.EPROTO)
	s.err = code
	a.rt.lastError = code
	a.warn("SSL operation failed: %v", err)
	a.L.Push(lua.LFalse)
	return 1
}

// disableCrypto sends TLS's close_notify and goes back to the plain socket.
func (a args) disableCrypto(s *Socket) int {
	if s.tls == nil {
		a.L.Push(lua.LTrue)
		return 1
	}
	err := s.tls.conn.CloseWrite()
	s.tls = nil
	if err != nil {
		return a.cryptoFailed(s, err)
	}
	a.L.Push(lua.LTrue)
	return 1
}

func optField(opts *lua.LTable, key string) lua.LValue {
	if opts == nil {
		return lua.LNil
	}
	return opts.RawGetString(key)
}

func optString(opts *lua.LTable, key string) string {
	if v := optField(opts, key); v != lua.LNil {
		return lua.LVAsString(v)
	}
	return ""
}

// tlsConfig builds crypto/tls's configuration from PHP-named options.
func (a args) tlsConfig(s *Socket, opts *lua.LTable, server bool) (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	peerName := optString(opts, "peer_name")
	if peerName == "" {
		peerName = s.connectHost
	}
	if !server {
		config.ServerName = peerName
	}
	if v := optField(opts, "verify_peer"); v != lua.LNil && !phpBool(v) {
		config.InsecureSkipVerify = true
	}
	if cafile := optString(opts, "cafile"); cafile != "" {
		pem, err := os.ReadFile(cafile)
		if err != nil {
			return nil, fmt.Errorf("cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cafile %s holds no PEM certificate", cafile)
		}
		config.RootCAs = pool
		config.ClientCAs = pool
	}
	switch alpn := optField(opts, "alpn_protocols").(type) {
	case lua.LString:
		config.NextProtos = strings.Split(string(alpn), ",")
	case *lua.LTable:
		alpn.ForEach(func(_, v lua.LValue) { config.NextProtos = append(config.NextProtos, lua.LVAsString(v)) })
	}
	certFile, keyFile := optString(opts, "local_cert"), optString(opts, "local_pk")
	switch {
	case certFile != "":
		if keyFile == "" {
			keyFile = certFile // PHP allows the key in the certificate's PEM file
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("local_cert: %w", err)
		}
		config.Certificates = []tls.Certificate{cert}
	case server && phpBool(optField(opts, "self_signed")):
		cert, err := selfSigned(peerName)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{cert}
	case server:
		return nil, errors.New("a TLS server needs local_cert (or self_signed = true)")
	}
	return config, nil
}

// selfSigned makes a certificate for localhost (and name) valid for a day,
// for mock servers.
func selfSigned(name string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "sockrun self-signed"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	if name != "" && net.ParseIP(name) == nil && name != "localhost" {
		template.DNSNames = append(template.DNSNames, name)
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tlsRead gives up to len(buf) bytes of plaintext: what is pending first,
// else one TLS read. n == 0 with a nil error is EOF (close_notify or the
// peer closing).
func (rt *Runtime) tlsRead(s *Socket, buf []byte, wait bool) (int, error) {
	st := s.tls
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.pending) == 0 {
		if err := rt.tlsFill(s, wait); err != nil {
			return 0, err
		}
	}
	n := copy(buf, st.pending)
	st.pending = st.pending[n:]
	return n, nil
}

// tlsFill reads one batch of plaintext into pending, with st.mu held. An
// empty pending after a nil error means EOF.
func (rt *Runtime) tlsFill(s *Socket, wait bool) error {
	st := s.tls
	adapter := st.conn.NetConn().(*sockConn)
	adapter.wait = wait
	defer func() { adapter.wait = true }()
	buf := make([]byte, 16<<10)
	n, err := st.conn.Read(buf)
	st.pending = append(st.pending, buf[:n]...)
	var wb errWouldBlock
	switch {
	case n > 0:
		return nil
	case errors.As(err, &wb):
		return unix.EAGAIN
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		var errno unix.Errno
		if errors.As(err, &errno) || err == errStopped {
			return err
		}
		return fmt.Errorf("%w: %v", unix.EPROTO, err)
	}
	return nil
}

// tlsRecv is socket_recv over TLS: MSG_PEEK leaves the data pending,
// MSG_WAITALL reads until buf is full or the stream ends.
func (rt *Runtime) tlsRecv(s *Socket, buf []byte, flags int, wait bool) (int, error) {
	st := s.tls
	st.mu.Lock()
	defer st.mu.Unlock()
	want := 1
	if flags&unix.MSG_WAITALL != 0 && wait {
		want = len(buf)
	}
	for len(st.pending) < want {
		before := len(st.pending)
		if err := rt.tlsFill(s, wait); err != nil {
			if len(st.pending) > 0 && err == unix.EAGAIN {
				break
			}
			return 0, err
		}
		if len(st.pending) == before {
			break // EOF
		}
	}
	n := copy(buf, st.pending)
	if flags&unix.MSG_PEEK == 0 {
		st.pending = st.pending[n:]
	}
	return n, nil
}

// tlsReadLine is PHP_NORMAL_READ over TLS: up to and including the first
// '\n' or '\r', or max bytes; eof when the stream ended first.
func (rt *Runtime) tlsReadLine(s *Socket, max int) ([]byte, bool, error) {
	st := s.tls
	st.mu.Lock()
	defer st.mu.Unlock()
	for {
		if i := indexLineEnd(st.pending, max); i >= 0 || len(st.pending) >= max {
			n := min(max, len(st.pending))
			if i >= 0 {
				n = i + 1
			}
			line := append([]byte(nil), st.pending[:n]...)
			st.pending = st.pending[n:]
			return line, false, nil
		}
		before := len(st.pending)
		if err := rt.tlsFill(s, true); err != nil {
			return nil, false, err
		}
		if len(st.pending) == before {
			line := st.pending
			st.pending = nil
			return line, true, nil
		}
	}
}

func indexLineEnd(b []byte, max int) int {
	for i, c := range b[:min(len(b), max)] {
		if c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}

// tlsReadable probes a TLS socket for select: pending plaintext, or a
// record that can be read without waiting, makes it readable.
func (rt *Runtime) tlsReadable(s *Socket) bool {
	st := s.tls
	if !st.mu.TryLock() {
		return false // another task is reading it: what arrives is that task's
	}
	defer st.mu.Unlock()
	if len(st.pending) > 0 {
		return true
	}
	err := rt.tlsFill(s, false)
	return len(st.pending) > 0 || err != unix.EAGAIN
}
