package tests

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// dialTCP connects a Go test peer.
func dialTCP(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readExactly reads n bytes within 10 s.
func readExactly(t testing.TB, conn net.Conn, n int) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, n)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("reading %d bytes: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

// expectEOF checks that the peer closed the connection (within 10 s).
func expectEOF(t testing.TB, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1)
	n, err := conn.Read(buf)
	if n != 0 || !(errors.Is(err, io.EOF) || isReset(err)) {
		t.Fatalf("want EOF, got %d bytes %q, err %v", n, buf[:n], err)
	}
}

func isReset(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Err != nil && opErr.Err.Error() == "read: connection reset by peer"
}
