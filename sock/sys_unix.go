package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysRecv is recv(2): recvfrom without the sender's address, which a
// connected socket's receive does not need (and x/sys would allocate).
func sysRecv(fd int, buf []byte, flags int) (int, error) {
	return sysBuf(unix.SYS_RECVFROM, fd, buf, flags)
}

// sysSend is send(2) on a connected socket.
func sysSend(fd int, buf []byte, flags int) (int, error) {
	return sysBuf(unix.SYS_SENDTO, fd, buf, flags)
}

// sysBuf makes recvfrom or sendto with no address.
func sysBuf(call uintptr, fd int, buf []byte, flags int) (int, error) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	n, _, e := unix.Syscall6(call, uintptr(fd), uintptr(p), uintptr(len(buf)), uintptr(flags), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
