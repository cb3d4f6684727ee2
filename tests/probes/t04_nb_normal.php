<?php
// t04_nb_normal: PHP_NORMAL_READ on a nonblocking socket when a whole line
// is there, and at EOF with nothing pending (""). The cases where PHP
// busy-spins (no terminator yet) or reads uninitialised memory (partial line
// then EOF) are left out on purpose.
require __DIR__ . '/lib.php';
[$srv, $cli, $conn] = pair();
show("set_nonblock", socket_set_nonblock($conn));

socket_write($cli, "part\n");
waitbytes($conn, 5);
show("line", socket_read($conn, 1024, PHP_NORMAL_READ));
socket_write($cli, "a\r\nb\n");
waitbytes($conn, 5);
show("cr", socket_read($conn, 1024, PHP_NORMAL_READ));
show("lf", socket_read($conn, 1024, PHP_NORMAL_READ));
show("line", socket_read($conn, 1024, PHP_NORMAL_READ));
socket_write($cli, "0123456789\n");
waitbytes($conn, 11);
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("last_error", socket_last_error($conn));
echo "-- nonblocking, nothing pending, binary read\n";
show("binary", socket_read($conn, 1024));
show("last_error", socket_last_error($conn));
socket_clear_error($conn);
echo "-- nonblocking NORMAL_READ at EOF with nothing pending\n";
socket_close($cli);
waitr($conn);
show("normal", socket_read($conn, 1024, PHP_NORMAL_READ), socket_last_error($conn));
show("normal again", socket_read($conn, 1024, PHP_NORMAL_READ), socket_last_error($conn));
show("binary", socket_read($conn, 1024), socket_last_error($conn));
