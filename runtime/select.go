package runtime

import (
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Readiness as select(2) reports it, from the poll(2) bits the kernel uses
// for it (fs/select.c's POLLIN_SET, POLLOUT_SET, POLLEX_SET): so a listener
// with a pending connection and a connection whose peer closed are readable.
const (
	pollInSet  = pollReadBits | unix.POLLHUP | unix.POLLERR
	pollOutSet = pollWriteBits | unix.POLLERR
	pollExSet  = unix.POLLPRI
)

// selectSet is one of socket_select's three tables.
type selectSet struct {
	argn  int
	name  string
	table *lua.LTable // nil for a nil argument
	want  int16       // poll events asked for
	ready int16       // revents that count as ready
	keys  []lua.LValue
	socks []*Socket
	slots []int // each entry's pollfd
}

// socketSelect: socket_select(read, write, except, seconds[, microseconds = 0])
// -> count|false. The tables are changed in place: entries whose socket is
// not ready are removed; ready ones keep their keys. seconds == nil blocks.
//
// One poll(2) over every descriptor answers it, so there is no FD_SETSIZE
// ceiling; a wake-up pipe lets Stop interrupt the wait.
func socketSelect(a args) int {
	a.count(4, 5)
	sets := [3]selectSet{
		{argn: 1, name: "read", want: pollReadBits, ready: pollInSet},
		{argn: 2, name: "write", want: pollWriteBits, ready: pollOutSet},
		{argn: 3, name: "except", want: unix.POLLPRI, ready: pollExSet},
	}
	any := false
	for i := range sets {
		a.selectTable(&sets[i])
		any = any || len(sets[i].socks) > 0
	}
	if !any {
		a.raise("At least one array argument must be passed")
	}
	timeout := time.Duration(-1)
	if sec, ok := a.nullableInt(4, "seconds"); ok {
		usec := a.optInt(5, "microseconds", 0)
		if sec < 0 || usec < 0 {
			return a.fail(nil, "Unable to select", unix.EINVAL)
		}
		timeout = time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
	}

	fds := a.rt.pollFds(sets[:])
	// Plaintext waiting inside a TLS socket makes it readable whatever its
	// descriptor says.
	var tlsReady []int
	for _, s := range sets[0].socks {
		if s.tls != nil && a.rt.tlsReadable(s) {
			tlsReady = append(tlsReady, s.pollSlot)
			timeout = 0
		}
	}
	var polled []unix.PollFd
	return a.block(timeout != 0, true, func(wait bool) (err error) {
		limit := timeout
		if !wait {
			limit = 0
		}
		polled, err = a.rt.poll(fds, limit)
		if err == nil && !wait && timeout != 0 && !anyReady(polled[:len(fds)]) {
			return unix.EAGAIN // nothing yet: wait for it
		}
		return err
	}, func(err error) int {
		if err != nil {
			return a.fail(nil, "Unable to select", err)
		}
		for _, i := range tlsReady {
			polled[i].Revents |= unix.POLLIN
		}
		total := 0
		for i := range sets {
			total += sets[i].keep(polled)
		}
		a.L.Push(lua.LNumber(total))
		return 1
	})
}

// anyReady reports whether poll found anything on these descriptors.
func anyReady(fds []unix.PollFd) bool {
	for _, fd := range fds {
		if fd.Revents != 0 {
			return true
		}
	}
	return false
}

// selectTable reads one set argument: nil or a table of open Sockets.
func (a args) selectTable(set *selectSet) {
	v := a.L.Get(set.argn)
	switch t := v.(type) {
	case *lua.LNilType:
		return
	case *lua.LTable:
		set.table = t
	default:
		a.raise("Argument #%d ($%s) must be of type ?array, %s given", set.argn, set.name, typeName(v))
	}
	set.table.ForEach(func(k, v lua.LValue) {
		ud, ok := v.(*lua.LUserData)
		s, isSock := (*Socket)(nil), false
		if ok {
			s, isSock = ud.Value.(*Socket)
		}
		switch {
		case !isSock:
			a.raise("Argument #%d ($%s) must only have elements of type Socket, %s given", set.argn, set.name, typeName(v))
		case s.closed:
			a.raise("Argument #%d ($%s) contains a closed socket", set.argn, set.name)
		}
		set.keys = append(set.keys, k)
		set.socks = append(set.socks, s)
	})
}

// pollFds builds one pollfd per distinct socket over all sets and records,
// for each set's entries, which pollfd is theirs. Sockets carry a stamp of
// the call that numbered them, so deduplication needs no map.
func (rt *Runtime) pollFds(sets []selectSet) []unix.PollFd {
	rt.pollGen++
	var fds []unix.PollFd
	for k := range sets {
		set := &sets[k]
		set.slots = make([]int, len(set.socks))
		for i, s := range set.socks {
			if s.pollGen != rt.pollGen {
				s.pollGen, s.pollSlot = rt.pollGen, len(fds)
				fds = append(fds, unix.PollFd{Fd: int32(s.fd)})
			}
			fds[s.pollSlot].Events |= set.want
			set.slots[i] = s.pollSlot
		}
	}
	return fds
}

// keep removes the entries of the set that are not ready and returns how many
// distinct sockets are ready in it (duplicates count once, as select(2)'s
// fd_set does).
func (set *selectSet) keep(fds []unix.PollFd) int {
	if set.table == nil {
		return 0
	}
	counted := make([]bool, len(fds))
	n := 0
	for i, slot := range set.slots {
		if fds[slot].Revents&set.ready == 0 {
			set.table.RawSet(set.keys[i], lua.LNil)
			continue
		}
		if !counted[slot] {
			counted[slot] = true
			n++
		}
	}
	return n
}

// poll waits until one of fds is ready, the timeout passes (< 0: never) or
// the script is stopped, and returns fds with their Revents (and the wake-up
// pipe's entry after them). Signals the Go runtime uses (EINTR) only restart it.
func (rt *Runtime) poll(fds []unix.PollFd, timeout time.Duration) ([]unix.PollFd, error) {
	wake, err := rt.wakeFd()
	if err != nil {
		return nil, err
	}
	all := append(fds, unix.PollFd{Fd: int32(wake), Events: unix.POLLIN})
	deadline := time.Now().Add(timeout)
	for {
		if rt.Stopping() {
			return nil, errStopped
		}
		remaining := timeout
		if timeout > 0 {
			remaining = max(time.Until(deadline), 0)
		}
		_, err := sysPoll(all, remaining)
		switch {
		case rt.Stopping():
			return nil, errStopped
		case err == unix.EINTR:
			continue
		}
		return all, err
	}
}

// wakePipe is how Stop interrupts a socket_select blocked in poll(2).
type wakePipe struct {
	r, w *os.File
	rfd  int
}

func (p *wakePipe) signal() { p.w.Write([]byte{0}) } //nolint:errcheck // a full pipe is already signalled
func (p *wakePipe) close()  { p.r.Close(); p.w.Close() }

func (rt *Runtime) wakeFd() (int, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.wake == nil {
		r, w, err := os.Pipe()
		if err != nil {
			return -1, err
		}
		p := &wakePipe{r: r, w: w}
		raw, err := r.SyscallConn()
		if err == nil {
			err = raw.Control(func(fd uintptr) { p.rfd = int(fd) })
		}
		if err != nil {
			p.close()
			return -1, err
		}
		rt.wake = p
		if rt.Stopping() {
			p.signal()
		}
	}
	return rt.wake.rfd, nil
}
