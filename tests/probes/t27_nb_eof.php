<?php
// t27_nb_eof: on a nonblocking connection whose peer closed, every read
// reports EOF without an error: binary read "", NORMAL_READ "", recv 0 and
// nil; before the close, the nonblocking calls fail with a silent EAGAIN.
require __DIR__ . '/lib.php';
[$srv, $cli, $conn] = pair();
socket_set_nonblock($conn);
show("read before close", socket_read($conn, 10), socket_last_error($conn));
socket_clear_error($conn);
socket_close($cli);
waitr($conn);
show("read", socket_read($conn, 10));
show("read NORMAL", socket_read($conn, 10, PHP_NORMAL_READ));
$b = "x";
$n = socket_recv($conn, $b, 10, 0);
show("recv", $n, $b);
$b = "x";
$n = socket_recv($conn, $b, 10, MSG_WAITALL);
show("recv waitall", $n, $b);
show("last_error", socket_last_error($conn));
$r = [1 => $conn];
$w = null;
$e = null;
show("select", socket_select($r, $w, $e, 0));
show("write", socket_write($conn, "x"));
