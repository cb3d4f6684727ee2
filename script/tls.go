package script

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"sockrun/phpkit"
	"sockrun/sock"
)

// TLS over the PHP-style sockets (the stream itself is sock.TLSConn):
// socket_enable_crypto turns a connected socket into a TLS stream, after
// which socket_read, _recv, _write, _send and socket_select work on the
// plaintext.

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
	enable := phpkit.Truthy(a.L.Get(2))
	opts, _ := a.L.Get(3).(*lua.LTable)
	if !a.absent(3) && opts == nil {
		a.raise("Argument #3 ($options) must be of type ?array, %s given", typeName(a.L.Get(3)))
	}
	if !enable {
		return a.disableCrypto(s)
	}
	if s.TLS() != nil {
		a.warn("Crypto is already enabled on this socket")
		a.L.Push(lua.LFalse)
		return 1
	}
	server := s.Accepted
	if v := optField(opts, "server"); v != lua.LNil {
		server = phpkit.Truthy(v)
	}
	config, err := a.tlsConfig(s, opts, server)
	if err != nil {
		return a.cryptoFailed(s, err)
	}
	t, err := s.NewTLS(config, server)
	if err != nil {
		return a.cryptoFailed(s, err)
	}
	return a.goCall(t.Handshake(), func(err error) int {
		if err != nil || s.Closed() {
			t.Discard()
		}
		switch {
		case a.rt.Stopping():
			raiseStopped(a.L)
		case s.Closed():
			// Closed by another task while the handshake went on.
			return a.fail(s, "unable to enable crypto", unix.EBADF)
		case err != nil:
			return a.cryptoFailed(s, err)
		}
		s.SetTLS(t)
		a.L.Push(lua.LTrue)
		return 1
	})
}

// cryptoFailed warns with crypto/tls's reason and records EPROTO.
func (a args) cryptoFailed(s *Socket, err error) int {
	code := int(unix.EPROTO)
	s.Err = code
	a.rt.lastError = code
	a.warn("SSL operation failed: %v", err)
	a.L.Push(lua.LFalse)
	return 1
}

// disableCrypto sends TLS's close_notify and goes back to the plain socket.
func (a args) disableCrypto(s *Socket) int {
	if err := s.CloseNotify(); err != nil {
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
		peerName = s.ConnectHost
	}
	if !server {
		config.ServerName = peerName
	}
	if v := optField(opts, "verify_peer"); v != lua.LNil && !phpkit.Truthy(v) {
		config.InsecureSkipVerify = true
	}
	if cafile := optString(opts, "cafile"); cafile != "" {
		pem, err := a.rt.readFile(a.L, a.fn, "cafile", cafile)
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
		certPEM, err := a.rt.readFile(a.L, a.fn, "local_cert", certFile)
		if err != nil {
			return nil, fmt.Errorf("local_cert: %w", err)
		}
		keyPEM, err := a.rt.readFile(a.L, a.fn, "local_pk", keyFile)
		if err != nil {
			return nil, fmt.Errorf("local_pk: %w", err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("local_cert: %w", err)
		}
		config.Certificates = []tls.Certificate{cert}
	case server && phpkit.Truthy(optField(opts, "self_signed")):
		cert, err := sock.SelfSigned(peerName)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{cert}
	case server:
		return nil, errors.New("a TLS server needs local_cert (or self_signed = true)")
	}
	return config, nil
}
