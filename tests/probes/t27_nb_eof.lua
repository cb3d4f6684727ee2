-- t27_nb_eof: on a nonblocking connection whose peer closed, every read
-- reports EOF without an error: binary read "", NORMAL_READ "", recv 0 and
-- nil; before the close, the nonblocking calls fail with a silent EAGAIN.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
local srv, cli, conn = pair()
socket_set_nonblock(conn)
show("read before close", socket_read(conn, 10), socket_last_error(conn))
socket_clear_error(conn)
socket_close(cli)
waitr(conn)
show("read", socket_read(conn, 10))
show("read NORMAL", socket_read(conn, 10, PHP_NORMAL_READ))
show("recv", socket_recv(conn, 10, 0))
show("recv waitall", socket_recv(conn, 10, MSG_WAITALL))
show("last_error", socket_last_error(conn))
show("select", socket_select({ conn }, nil, nil, 0))
show("write", socket_write(conn, "x"))
