//go:build darwin || freebsd || netbsd || openbsd

package sock

import "golang.org/x/sys/unix"

// poller is kqueue: each socket registered once, edge-triggered (EV_CLEAR),
// for reading and writing; a pipe in the same set wakes a wait from other
// goroutines (Stop, a finished Go call).
type poller struct {
	kq     int
	wr, rd int // the wake-up pipe
	events []unix.Kevent_t
}

func newPoller() (poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return poller{}, err
	}
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		unix.Close(kq)
		return poller{}, err
	}
	p := poller{kq: kq, rd: fds[0], wr: fds[1], events: make([]unix.Kevent_t, 256)}
	for _, fd := range []int{kq, fds[0], fds[1]} {
		unix.CloseOnExec(fd)
		unix.SetNonblock(fd, true) //nolint:errcheck
	}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], p.rd, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, ev[:], nil, nil); err != nil {
		p.closeWake()
		unix.Close(kq)
		return poller{}, err
	}
	return p, nil
}

// batch is how many events one wait can return.
func (p *poller) batch() int { return len(p.events) }

func (p *poller) fd() int     { return p.kq }
func (p *poller) wakeFD() int { return p.rd }

func (p *poller) add(fd int) error {
	var evs [2]unix.Kevent_t
	unix.SetKevent(&evs[0], fd, unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
	unix.SetKevent(&evs[1], fd, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_CLEAR)
	_, err := unix.Kevent(p.kq, evs[:], nil, nil)
	return err
}

// del is done by close(2), which removes a descriptor's events.
func (p *poller) del(int) {}

func (p *poller) wait() (int, error) {
	var zero unix.Timespec
	for {
		n, err := unix.Kevent(p.kq, nil, p.events, &zero)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// event reads event i: a kqueue event states one direction (its filter),
// ready when delivered; errors make both ready.
func (p *poller) event(i int) (fd int, r report) {
	ev := p.events[i]
	errored := ev.Flags&unix.EV_ERROR != 0
	if ev.Filter == unix.EVFILT_READ || errored {
		r.known[Read], r.ready[Read] = true, true
	}
	if ev.Filter == unix.EVFILT_WRITE || errored {
		r.known[Write], r.ready[Write] = true, true
	}
	return int(ev.Ident), r
}

func (p *poller) wake() {
	unix.Write(p.wr, []byte{0}) //nolint:errcheck // a full pipe is already a wake-up
}

func (p *poller) drainWake() {
	var buf [64]byte
	unix.Read(p.rd, buf[:]) //nolint:errcheck
}

func (p *poller) closeWake() {
	unix.Close(p.rd)
	unix.Close(p.wr)
}
