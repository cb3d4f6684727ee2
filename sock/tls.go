package sock

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
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// TLS over the PHP-style sockets: socket_enable_crypto turns a connected
// socket into a TLS stream (crypto/tls), after which reads, writes and
// select work on the plaintext.
//
// crypto/tls is written for blocking connections, so the calls that must
// finish whole (the handshake, a write: a partial TLS record cannot be taken
// back) run on a goroutine of their own through Engine.Go; that goroutine
// touches only its connection. Reads are nonblocking attempts on the
// script's goroutine like any other (the descriptor reports readiness
// through the engine as usual), so a task waiting for TLS data costs no
// goroutine. crypto/tls reads whole records, so plaintext can be waiting
// here while the descriptor has nothing to read: it sits in pending, and
// select counts it.

// TLSConn is a socket's TLS stream.
type TLSConn struct {
	conn    *tls.Conn
	ad      *tlsAdapter
	pending []byte
	calls   sync.WaitGroup // goroutines in a handshake or a write
	buf     [16 << 10]byte
}

// tlsAdapter is the net.Conn crypto/tls talks to: the socket's descriptor.
// A read blocks only while blocking is set (the handshake); otherwise it
// reports a would-block timeout, which leaves crypto/tls's state usable. A
// blocking call waits in poll(2) on the descriptor and a cancel pipe, so
// interrupt can end it.
type tlsAdapter struct {
	fd       int
	blocking atomic.Bool
	cancelR  int
	cancelW  int
	stopped  atomic.Bool // interrupted: waits end at once
	// writeNoWait makes a write that does not fit fail instead of waiting.
	writeNoWait atomic.Bool
}

// errWouldBlock is EAGAIN as crypto/tls must see it: a timeout.
type errWouldBlock struct{}

func (errWouldBlock) Error() string   { return "operation would block" }
func (errWouldBlock) Timeout() bool   { return true }
func (errWouldBlock) Temporary() bool { return true }

func (c *tlsAdapter) Read(b []byte) (int, error) {
	for {
		n, _, err := unix.Recvfrom(c.fd, b, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if !c.blocking.Load() {
				return 0, errWouldBlock{}
			}
			if err := c.await(unix.POLLIN); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *tlsAdapter) Write(b []byte) (int, error) {
	sent := 0
	for sent < len(b) {
		n, err := unix.SendmsgN(c.fd, b[sent:], nil, nil, noSignal)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if c.writeNoWait.Load() {
				return sent, err
			}
			if err := c.await(unix.POLLOUT); err != nil {
				return sent, err
			}
			continue
		case err != nil:
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

// await waits until the descriptor is ready for events or the call is
// interrupted (the socket is being closed, or the script stopped: either
// way the descriptor is going away, so EBADF).
func (c *tlsAdapter) await(events int16) error {
	for {
		if c.stopped.Load() {
			return ErrClosed
		}
		fds := []unix.PollFd{{Fd: int32(c.fd), Events: events}, {Fd: int32(c.cancelR), Events: unix.POLLIN}}
		if _, err := sysPoll(fds, -1); err != nil && err != unix.EINTR {
			return err
		}
		if fds[1].Revents != 0 || c.stopped.Load() {
			return ErrClosed
		}
		if fds[0].Revents != 0 {
			return nil
		}
	}
}

func (c *tlsAdapter) Close() error                     { return nil } // the socket's close closes the descriptor
func (c *tlsAdapter) LocalAddr() net.Addr              { return tlsAddr(unix.Getsockname(c.fd)) }
func (c *tlsAdapter) RemoteAddr() net.Addr             { return tlsAddr(unix.Getpeername(c.fd)) }
func (c *tlsAdapter) SetDeadline(time.Time) error      { return nil } // interrupt ends waits
func (c *tlsAdapter) SetReadDeadline(time.Time) error  { return nil }
func (c *tlsAdapter) SetWriteDeadline(time.Time) error { return nil }

func tlsAddr(sa unix.Sockaddr, _ error) net.Addr {
	addr, port, _ := FormatSockaddr(sa)
	return &net.TCPAddr{IP: net.ParseIP(addr), Port: port}
}

// NewTLS prepares TLS on a connected socket; the handshake is a Go call
// (Handshake, through Engine.Go), after which SetTLS makes the socket's
// reads and writes go through it.
func (s *Socket) NewTLS(config *tls.Config, server bool) (*TLSConn, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return nil, err
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	ad := &tlsAdapter{fd: s.fd, cancelR: p[0], cancelW: p[1]}
	ad.blocking.Store(true)
	t := &TLSConn{ad: ad}
	if server {
		t.conn = tls.Server(ad, config)
	} else {
		t.conn = tls.Client(ad, config)
	}
	s.handshaking = t // closing the socket (or the engine) must interrupt it
	return t, nil
}

// Handshake returns the TLS handshake as a Go call (Engine.Go): it blocks.
// It is counted from now, on the script's goroutine, so that closing the
// socket waits for it.
func (t *TLSConn) Handshake() func() error {
	t.calls.Add(1)
	return func() error {
		defer t.calls.Done()
		return tlsError(t.conn.Handshake())
	}
}

// Discard releases a TLSConn whose handshake failed.
func (t *TLSConn) Discard() { t.close(false) } //nolint:errcheck // nothing is sent

// SetTLS makes s's I/O go through t (after its handshake), or back to
// plain with nil.
func (s *Socket) SetTLS(t *TLSConn) {
	if t != nil {
		t.ad.blocking.Store(false)
	}
	s.handshaking = nil
	s.tls = t
}

// Write returns, as a Go call (Engine.Go), sending all of b as TLS
// records; it blocks. *n receives how much of b went out.
func (t *TLSConn) Write(b []byte, n *int) func() error {
	t.calls.Add(1)
	return func() error {
		defer t.calls.Done()
		var err error
		*n, err = t.conn.Write(b)
		return tlsError(err)
	}
}

// CloseNotify sends TLS's close_notify and goes back to the plain socket.
func (s *Socket) CloseNotify() error {
	t := s.tls
	if t == nil {
		return nil
	}
	s.tls = nil
	return t.close(true)
}

// closeWrite sends close_notify before a shutdown. It never waits: a
// close_notify that does not fit in the send buffer is dropped.
func (t *TLSConn) closeWrite() {
	t.ad.writeNoWait.Store(true)
	t.conn.CloseWrite() //nolint:errcheck // close_notify is a courtesy; the shutdown goes on
	t.ad.writeNoWait.Store(false)
}

// interrupt ends the Go calls in progress.
func (t *TLSConn) interrupt() {
	if t.ad.stopped.CompareAndSwap(false, true) {
		unix.Write(t.ad.cancelW, []byte{0}) //nolint:errcheck
	}
}

// close ends the TLS stream: the Go calls are interrupted and waited for
// (so none uses the descriptor after it is released), then close_notify is
// sent if wanted and it fits without waiting.
func (t *TLSConn) close(notify bool) error {
	t.interrupt()
	t.calls.Wait()
	var err error
	if notify {
		err = tlsError(t.conn.CloseWrite())
	}
	unix.Close(t.ad.cancelR)
	unix.Close(t.ad.cancelW)
	return err
}

// fill reads one batch of plaintext into pending without waiting. An
// unchanged pending after a nil error means EOF.
func (t *TLSConn) fill() error {
	n, err := t.conn.Read(t.buf[:])
	t.pending = append(t.pending, t.buf[:n]...)
	var wb errWouldBlock
	switch {
	case n > 0:
		return nil
	case errors.As(err, &wb):
		return unix.EAGAIN
	case errors.Is(err, io.EOF):
		return nil
	}
	return tlsError(err)
}

// tlsError keeps errnos and stops as they are and makes crypto/tls's own
// errors EPROTO, with its reason.
func tlsError(err error) error {
	var errno unix.Errno
	if err == nil || errors.As(err, &errno) || errors.Is(err, ErrStopped) {
		return err
	}
	return fmt.Errorf("%w: %v", unix.EPROTO, err)
}

// Read gives up to max bytes of plaintext: what is pending, else what one
// nonblocking read brings; "" with a nil error is EOF.
func (t *TLSConn) Read(max int) (string, error) {
	if len(t.pending) == 0 {
		if err := t.fill(); err != nil {
			return "", err
		}
	}
	n := min(max, len(t.pending))
	data := string(t.pending[:n])
	t.pending = t.pending[n:]
	return data, nil
}

// Recv is socket_recv over TLS: MSG_PEEK leaves the data pending; with
// waitAll it says EAGAIN until max bytes are pending or the stream ends.
func (t *TLSConn) Recv(max, flags int, waitAll bool) (string, error) {
	want := 1
	if waitAll {
		want = max
	}
	for len(t.pending) < want {
		before := len(t.pending)
		if err := t.fill(); err != nil {
			if err == unix.EAGAIN && len(t.pending) > 0 && !waitAll {
				break
			}
			return "", err
		}
		if len(t.pending) == before {
			break // EOF
		}
	}
	n := min(max, len(t.pending))
	data := string(t.pending[:n])
	if flags&unix.MSG_PEEK == 0 {
		t.pending = t.pending[n:]
	}
	return data, nil
}

// RecvPartial gives what is pending after a waitAll Recv ended early (by
// timeout or error).
func (t *TLSConn) RecvPartial(max, flags int) string {
	n := min(max, len(t.pending))
	data := string(t.pending[:n])
	if flags&unix.MSG_PEEK == 0 {
		t.pending = t.pending[n:]
	}
	return data
}

// ReadLine is PHP_NORMAL_READ over TLS: up to and including the first '\n'
// or '\r', or max bytes; eof when the stream ended first.
func (t *TLSConn) ReadLine(max int) (line string, eof bool, err error) {
	for {
		if i := indexLineEnd(t.pending, max); i >= 0 || len(t.pending) >= max {
			n := min(max, len(t.pending))
			if i >= 0 {
				n = i + 1
			}
			line := string(t.pending[:n])
			t.pending = t.pending[n:]
			return line, false, nil
		}
		before := len(t.pending)
		if err := t.fill(); err != nil {
			return "", false, err
		}
		if len(t.pending) == before {
			line := string(t.pending)
			t.pending = nil
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

// Readable is select's question for a TLS socket: pending plaintext, or a
// record (or the end of the stream) that arrives without waiting.
func (t *TLSConn) Readable() bool {
	if len(t.pending) > 0 {
		return true
	}
	err := t.fill()
	return len(t.pending) > 0 || err != unix.EAGAIN
}

// SelfSigned makes a certificate for localhost (and name) valid for a day,
// for mock servers.
func SelfSigned(name string) (tls.Certificate, error) {
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
