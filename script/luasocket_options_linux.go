package script

import "golang.org/x/sys/unix"

// The LuaSocket options only Linux has.
func init() {
	lsOptions[lsTCP]["bindtodevice"] = lsOption{unix.SOL_SOCKET, unix.SO_BINDTODEVICE, optDevice, true, true}
	lsOptions[lsTCP]["tcp-keepidle"] = lsOption{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, optInt, true, true}
	lsOptions[lsTCP]["tcp-defer-accept"] = lsOption{unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, optInt, false, true}
	lsOptions[lsTCP]["tcp-fastopen"] = lsOption{unix.IPPROTO_TCP, unix.TCP_FASTOPEN, optInt, false, true}
	lsOptions[lsTCP]["tcp-fastopen-connect"] = lsOption{unix.IPPROTO_TCP, unix.TCP_FASTOPEN_CONNECT, optInt, false, true}
	lsOptions[lsUDP]["bindtodevice"] = lsOption{unix.SOL_SOCKET, unix.SO_BINDTODEVICE, optDevice, true, true}
}
