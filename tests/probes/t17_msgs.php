<?php
// t17_msgs: socket_recvfrom/socket_sendto on TCP sockets (unconnected:
// ENOTCONN/EPIPE; connected: they carry the stream), an unbound UDP
// socket's nonblocking recvfrom (silent EAGAIN), their misuse errors.
require __DIR__ . '/lib.php';
echo "-- unconnected TCP\n";
$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
$n = socket_recvfrom($s, $b, 10, 0, $f, $p);
show("recvfrom", $n);
show("sendto", socket_sendto($s, "x", 1, 0, "127.0.0.1", closedport()));
show("last_error", socket_last_error($s));
echo "-- connected TCP\n";
[$srv, $cli, $conn, $port] = pair();
show("sendto", socket_sendto($cli, "hello", 5, 0, "127.0.0.1", $port));
show("sendto clamped", socket_sendto($cli, "abc", 10, 0, "127.0.0.1", $port));
waitbytes($conn, 8);
$n = socket_recvfrom($conn, $b, 100, 0, $f, $p);
show("recvfrom", $n, $b, $f, $p);
socket_write($cli, "peek");
waitbytes($conn, 4);
$n = socket_recvfrom($conn, $b, 2, MSG_PEEK, $f, $p);
show("recvfrom peek", $n, $b);
$n = socket_recvfrom($conn, $b, 100, 0, $f, $p);
show("recvfrom", $n, $b);
echo "-- recvfrom at EOF\n";
socket_close($cli);
$n = socket_recvfrom($conn, $b, 100, 0, $f, $p);
show("recvfrom", $n, $b);
echo "-- nonblocking recvfrom on an unbound UDP socket\n";
$u = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
$n = socket_recvfrom($u, $b, 10, MSG_DONTWAIT, $f, $p);
show("recvfrom", $n, socket_last_error($u));
echo "-- misuse\n";
attempt("sendto without a port", fn() => socket_sendto($u, "x", 1, 0, "127.0.0.1"));
attempt("sendto negative length", fn() => socket_sendto($u, "x", -1, 0, "127.0.0.1", 9));
attempt("recvfrom on a closed socket", function () use ($cli) { return socket_recvfrom($cli, $b, 10, 0, $f, $p); });
