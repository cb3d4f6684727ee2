package sock

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The I/O attempts: each is one nonblocking try, made by the caller first
// and by the engine again whenever the socket is ready, until it says
// something other than EAGAIN. What they receive is copied out of one
// scratch buffer into the string that becomes the script's value, so a call
// that waits holds no buffer, whatever length it asked for.

// MaxRead bounds the buffer behind one receive: a stream receive may return
// less than asked, so asking for 2 GiB need not allocate 2 GiB.
const MaxRead = 16 << 20

// keepScratch is the largest scratch buffer kept between calls.
const keepScratch = 1 << 20

// scratch returns the engine's receive buffer with n bytes.
func (e *Engine) scratch(n int) []byte {
	if cap(e.buf) < n {
		e.buf = make([]byte, n)
	}
	return e.buf[:n]
}

// take copies the received bytes out and lets an oversized buffer go.
func (e *Engine) take(b []byte) string {
	s := string(b)
	if cap(e.buf) > keepScratch {
		e.buf = nil
	}
	return s
}

// Recv is one recv(2) of at most max bytes with these flags (MSG_DONTWAIT
// and MSG_WAITALL are the caller's business and are not passed on).
func (s *Socket) Recv(max, flags int) (string, error) {
	buf := s.eng.scratch(min(max, MaxRead))
	kflags := flags &^ (unix.MSG_DONTWAIT | unix.MSG_WAITALL)
	var n int
	err := retryEINTR(func() (err error) {
		n, err = sysRecv(s.fd, buf, kflags)
		return err
	})
	s.note(Read, err)
	if err != nil {
		return "", err
	}
	return s.eng.take(buf[:n]), nil
}

// RecvFrom is one recvfrom(2), which also names the sender; a connected
// stream socket names none, and PHP reports the family's any-address.
func (s *Socket) RecvFrom(max, flags int) (string, unix.Sockaddr, error) {
	buf := s.eng.scratch(min(max, MaxRead))
	kflags := flags &^ (unix.MSG_DONTWAIT | unix.MSG_WAITALL)
	var n int
	var from unix.Sockaddr
	err := retryEINTR(func() (err error) {
		n, from, err = unix.Recvfrom(s.fd, buf, kflags)
		return err
	})
	s.note(Read, err)
	if err != nil {
		return "", nil, err
	}
	if from == nil {
		from = zeroSockaddr(s.Domain)
	}
	return s.eng.take(buf[:n]), from, nil
}

// zeroSockaddr is what PHP reports as the sender when the kernel names none
// (a connected stream socket): the family's any-address and port 0.
func zeroSockaddr(domain int) unix.Sockaddr {
	switch domain {
	case AFInet:
		return &unix.SockaddrInet4{}
	case AFInet6:
		return &unix.SockaddrInet6{}
	}
	return &unix.SockaddrUnix{}
}

// RecvAllCall is recv(2) with MSG_WAITALL on a stream socket, as the kernel
// would block: it goes on until max bytes, EOF, an error or a timeout, and
// returns what arrived before an error or timeout.
type RecvAllCall struct {
	s     *Socket
	max   int
	flags int
	Data  []byte
}

// RecvAll returns the call; Attempt makes it progress.
func (s *Socket) RecvAll(max, flags int) *RecvAllCall {
	return &RecvAllCall{s: s, max: min(max, MaxRead), flags: flags}
}

// Attempt receives what is there; EAGAIN while more is to come.
func (c *RecvAllCall) Attempt() error {
	for len(c.Data) < c.max {
		data, err := c.s.Recv(c.max-len(c.Data), c.flags)
		if err != nil {
			if err == unix.EAGAIN || len(c.Data) == 0 {
				return err
			}
			return nil // what arrived before the error, as recv(2) with MSG_WAITALL
		}
		if data == "" {
			return nil // EOF
		}
		c.Data = append(c.Data, data...)
	}
	return nil
}

// LineCall is PHP_NORMAL_READ: bytes up to and including the first '\n' or
// '\r', or max bytes. PHP reads one byte per recv(2); this peeks at what is
// queued and takes exactly the line, so no byte past the terminator is ever
// consumed. EOF reports that the peer closed first.
type LineCall struct {
	s    *Socket
	max  int
	Line []byte
	EOF  bool
}

// ReadLine returns the call; Attempt makes it progress.
func (s *Socket) ReadLine(max int) *LineCall {
	return &LineCall{s: s, max: min(max, MaxRead)}
}

// Attempt takes what is queued up to the line's end; EAGAIN while the line
// is not complete.
func (c *LineCall) Attempt() error {
	s := c.s
	for len(c.Line) < c.max {
		buf := s.eng.scratch(c.max - len(c.Line))
		var n int
		err := retryEINTR(func() (err error) {
			n, _, err = unix.Recvfrom(s.fd, buf, unix.MSG_PEEK)
			return err
		})
		s.note(Read, err)
		if err != nil {
			return err
		}
		if n == 0 {
			c.EOF = true
			return nil
		}
		take, done := n, false
		for i, b := range buf[:n] {
			if b == '\n' || b == '\r' {
				take, done = i+1, true
				break
			}
		}
		// Consume exactly what was inspected, up to the terminator.
		if err := retryEINTR(func() (err error) {
			n, _, err = unix.Recvfrom(s.fd, buf[:take], 0)
			return err
		}); err != nil {
			return err
		}
		c.Line = append(c.Line, buf[:n]...)
		if done {
			return nil
		}
	}
	return nil
}

// SendCall is socket_write / socket_send / socket_sendto: on a socket that
// may wait, a stream send goes on until every byte is out, as the kernel's
// blocking send does; otherwise what fits is sent. While one call is in the
// middle of writing a socket, other writes to it wait their turn, so the
// bytes of two tasks' writes never interleave.
//
// The first attempt is TrySend, which needs no call object; only a send
// that must wait becomes a SendCall (Resume).
type SendCall struct {
	s     *Socket
	data  string
	flags int
	to    unix.Sockaddr
	Sent  int
}

// TrySend checks the policy for to (nil on a connected socket) and sends
// what the socket takes now. With wait, EAGAIN means the rest (from sent
// on) must wait: pass it to Resume. Without wait, a partial send is a
// result and EAGAIN means nothing fitted.
func (s *Socket) TrySend(data string, flags int, to unix.Sockaddr, wait bool) (sent int, err error) {
	if to != nil {
		if err := s.eng.Policy.check(opSend, to); err != nil {
			return 0, err
		}
	}
	if s.writer != nil {
		return 0, unix.EAGAIN // another call is mid-write: wait for it to finish
	}
	return s.send(data, 0, flags, to, wait)
}

// send sends data from sent on, as TrySend describes.
func (s *Socket) send(data string, sent, flags int, to unix.Sockaddr, wait bool) (int, error) {
	kflags := flags&^unix.MSG_DONTWAIT | noSignal
	for {
		var n int
		// The kernel only reads the bytes: no copy of the string is needed.
		rest := unsafe.Slice(unsafe.StringData(data[sent:]), len(data)-sent)
		err := retryEINTR(func() (err error) {
			if to == nil {
				n, err = sysSend(s.fd, rest, kflags)
			} else {
				n, err = unix.SendmsgN(s.fd, rest, nil, to, kflags)
			}
			return err
		})
		s.note(Write, err)
		switch {
		case err == unix.EAGAIN && wait:
			return sent, err
		case err == unix.EAGAIN && sent > 0:
			return sent, nil // a nonblocking send reports what fitted
		case err != nil:
			if sent > 0 {
				return sent, nil // a failing blocking send reports what it sent
			}
			return 0, err
		}
		sent += n
		if !wait || sent == len(data) || s.Type != unix.SOCK_STREAM {
			return sent, nil
		}
	}
}

// Resume makes the call that finishes a waiting send, holding the socket's
// write turn if part of it went out (so nobody else's bytes come between).
func (s *Socket) Resume(data string, sent, flags int, to unix.Sockaddr) *SendCall {
	c := &SendCall{s: s, data: data, flags: flags, to: to, Sent: sent}
	if sent > 0 {
		s.writer = c
	}
	return c
}

// Attempt sends what the socket takes; EAGAIN while the rest must wait.
func (c *SendCall) Attempt() error {
	s := c.s
	if s.writer != nil && s.writer != c {
		return unix.EAGAIN
	}
	sent, err := s.send(c.data, c.Sent, c.flags, c.to, true)
	c.Sent = sent
	if err == unix.EAGAIN {
		s.writer = c // the rest goes before anyone else's
		return err
	}
	c.End()
	return err
}

// End lets other writers go on; a call that ends by timeout, close or
// stop calls it too (its Sent says what went out).
func (c *SendCall) End() {
	s := c.s
	if s.writer != c {
		return
	}
	s.writer = nil
	if len(s.waiters[Write]) > 0 {
		s.eng.kicked = append(s.eng.kicked, s)
	}
}

// The readiness a select asks about, and reports.
const (
	WantRead   = 1
	WantWrite  = 2
	WantExcept = 4
)

// Interest is one socket of a select: what is asked (Want* bits) and,
// after Check, what is ready.
type Interest struct {
	S     *Socket
	Want  int
	Ready int
}

// Check answers a select from what the engine knows: the poller's latest
// events first (one nonblocking collection), then each socket's state; only
// the sockets whose state is unknown (data moved since it was learned, an
// exceptional-condition question, a TLS socket) are asked with one poll(2).
// So the kernel work grows with the active sockets, not the watched ones.
// It returns how many entries are ready.
func (e *Engine) Check(list []Interest) (int, error) {
	e.verify = e.verify[:0]
	for i := range list {
		in := &list[i]
		in.Ready = 0
		s := in.S
		ask := int16(0)
		if in.Want&WantRead != 0 {
			switch {
			case s.tls != nil || s.state[Read] == stateUnknown:
				ask |= pollReadBits
			case s.state[Read] == stateReady:
				in.Ready |= WantRead
			}
		}
		if in.Want&WantWrite != 0 {
			switch {
			case s.tls != nil || s.state[Write] == stateUnknown:
				ask |= pollWriteBits
			case s.state[Write] == stateReady:
				in.Ready |= WantWrite
			}
		}
		if in.Want&WantExcept != 0 {
			ask |= unix.POLLPRI
		}
		if ask != 0 {
			e.verify = append(e.verify, unix.PollFd{Fd: int32(s.fd), Events: ask})
		}
	}
	if len(e.verify) > 0 {
		if _, err := sysPoll(e.verify, 0); err != nil {
			return 0, err
		}
		j := 0
		for i := range list {
			in := &list[i]
			if j == len(e.verify) || e.verify[j].Fd != int32(in.S.fd) {
				continue
			}
			pfd := e.verify[j]
			j++
			if pfd.Events&pollReadBits != 0 {
				in.S.state[Read] = stateNotReady
				if pfd.Revents&pollInSet != 0 {
					in.S.state[Read] = stateReady
					in.Ready |= WantRead
				}
			}
			if pfd.Events&pollWriteBits != 0 {
				in.S.state[Write] = stateNotReady
				if pfd.Revents&pollOutSet != 0 {
					in.S.state[Write] = stateReady
					in.Ready |= WantWrite
				}
			}
			if pfd.Revents&unix.POLLPRI != 0 {
				in.Ready |= WantExcept
			}
		}
	}
	n := 0
	for i := range list {
		if list[i].Ready != 0 {
			n++
		}
	}
	return n, nil
}

// Readiness as select(2) reports it, from the poll(2) bits the kernel uses
// for it (fs/select.c's POLLIN_SET, POLLOUT_SET): so a listener with a
// pending connection and a connection whose peer closed are readable.
const (
	pollInSet  = pollReadBits | unix.POLLHUP | unix.POLLERR
	pollOutSet = pollWriteBits | unix.POLLERR
)

// Duration converts seconds to a wait: ok is false for NaN; huge and
// infinite values are "no deadline" (wait until stopped), returned as -1.
func Duration(seconds float64) (d time.Duration, ok bool) {
	switch {
	case seconds != seconds:
		return 0, false
	case seconds >= float64(1<<63-1)/float64(time.Second):
		return -1, true
	case seconds <= 0:
		return 0, true
	}
	return time.Duration(seconds * float64(time.Second)), true
}
