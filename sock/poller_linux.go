package sock

import "golang.org/x/sys/unix"

// poller is epoll: each socket registered once, edge-triggered, for input,
// output and the peer's hang-up; an eventfd in the same set wakes a wait
// from other goroutines (Stop, a finished Go call).
type poller struct {
	epfd   int
	wakefd int
	events []unix.EpollEvent
}

const epollEvents = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLPRI | unix.EPOLLET

func newPoller() (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return poller{}, err
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return poller{}, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return poller{}, err
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return poller{}, err
	}
	return poller{epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 256)}, nil
}

// batch is how many events one wait can return.
func (p *poller) batch() int { return len(p.events) }

func (p *poller) fd() int     { return p.epfd }
func (p *poller) wakeFD() int { return p.wakefd }

func (p *poller) add(fd int) error {
	ev := unix.EpollEvent{Events: epollEvents, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (p *poller) del(fd int) {
	unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil) //nolint:errcheck // the close that follows removes it anyway
}

// wait collects the ready events without blocking.
func (p *poller) wait() (int, error) {
	for {
		n, err := unix.EpollWait(p.epfd, p.events, 0)
		if err == unix.EINTR {
			continue
		}
		return max(n, 0), err
	}
}

// event reads event i: which descriptor, and whether it is readable
// (data, EOF, an error or a pending connection) and writable. epoll polls
// the socket as it reports it, so an event states both directions.
func (p *poller) event(i int) (fd int, r report) {
	ev := p.events[i]
	const in = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR | unix.EPOLLPRI
	const out = unix.EPOLLOUT | unix.EPOLLHUP | unix.EPOLLERR
	return int(ev.Fd), report{known: [2]bool{true, true}, ready: [2]bool{ev.Events&in != 0, ev.Events&out != 0}}
}

func (p *poller) wake() {
	var one = [8]byte{1}
	unix.Write(p.wakefd, one[:]) //nolint:errcheck // a full counter is already a wake-up
}

func (p *poller) drainWake() {
	var buf [8]byte
	unix.Read(p.wakefd, buf[:]) //nolint:errcheck // empty is fine
}

// closeWake closes the wake-up descriptor (the poller's own is closed with
// its os.File).
func (p *poller) closeWake() { unix.Close(p.wakefd) }
