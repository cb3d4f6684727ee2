-- t15_nr_timeo: PHP_NORMAL_READ on a socket with SO_RCVTIMEO. PHP ignores
-- the timeout in this mode (it retries EAGAIN until a line or EOF comes);
-- the case where it would spin forever (no line, no EOF) is left out, so
-- this checks that lines and EOF still behave with the option set.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
local srv, cli, conn = pair()
show("set SO_RCVTIMEO", socket_set_option(conn, SOL_SOCKET, SO_RCVTIMEO, { sec = 0, usec = 100000 }))
socket_write(cli, "late\n")
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
socket_write(cli, "two\rlines\n")
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
show("last_error", socket_last_error(conn))
echo("-- binary read times out\n")
show("binary", socket_read(conn, 100), socket_last_error(conn))
echo("-- partial line then EOF: false, 104, the partial line is lost\n")
socket_write(cli, "ab")
socket_close(cli)
show("normal", socket_read(conn, 100, PHP_NORMAL_READ))
show("last_error", socket_last_error(conn))
show("binary", socket_read(conn, 100))
