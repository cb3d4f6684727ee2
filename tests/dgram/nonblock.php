<?php
// nonblock: the PHP twin of nonblock.lua.
require __DIR__ . '/lib.php';

[$srv, $cli, $conn, $port] = tcppair();
echo "-- nonblocking reads with no data\n";
show("set_nonblock", socket_set_nonblock($conn));
show("read", socket_read($conn, 100));
show("last_error", socket_last_error($conn), socket_last_error(), socket_strerror(socket_last_error($conn)));
socket_clear_error($conn);
$buf = "old";
$n = socket_recv($conn, $buf, 100, 0);
show("recv", $n, $buf);
show("last_error", socket_last_error($conn));
socket_clear_error($conn);
show("recvfrom", socket_recvfrom($conn, $buf, 100, 0, $from, $fport));
show("last_error", socket_last_error($conn));
$buf = "old";
$n = socket_recv($conn, $buf, 100, MSG_PEEK);
show("recv MSG_PEEK", $n, $buf);
show("write", socket_write($cli, "data"));
show("readable", waitr($conn));
show("read", socket_read($conn, 100));

echo "-- nonblocking accept: the error is global, not the listener's\n";
show("set_nonblock", socket_set_nonblock($srv));
socket_clear_error($srv);
socket_clear_error();
show("accept", socket_accept($srv));
show("last_error", socket_last_error($srv), socket_last_error());

echo "-- nonblocking connect\n";
$c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("set_nonblock", socket_set_nonblock($c2));
show("connect", socket_connect($c2, "127.0.0.1", $port));
show("last_error", socket_last_error($c2), socket_strerror(socket_last_error($c2)));
show("writable", waitw($c2));
show("SO_ERROR", socket_get_option($c2, SOL_SOCKET, SO_ERROR));
show("listener readable", waitr($srv));
$a2 = socket_accept($srv);
show("accept", $a2);
show("write", socket_write($c2, "hello"));
show("read", socket_read($a2, 100));
$c3 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_nonblock($c3);
show("connect closed port", socket_connect($c3, "127.0.0.1", closedport()));
show("last_error", socket_last_error($c3));
show("writable", waitw($c3));
show("SO_ERROR", socket_get_option($c3, SOL_SOCKET, SO_ERROR));
show("SO_ERROR again", socket_get_option($c3, SOL_SOCKET, SO_ERROR));
show("last_error", socket_last_error($c3));

echo "-- MSG_DONTWAIT on a blocking socket\n";
show("set_block", socket_set_block($conn));
socket_clear_error($conn);
$buf = "old";
$n = socket_recv($conn, $buf, 100, MSG_DONTWAIT);
show("recv", $n, $buf);
show("last_error", socket_last_error($conn));
show("write", socket_write($cli, "dw"));
show("readable", waitr($conn));
$n = socket_recv($conn, $buf, 100, MSG_DONTWAIT);
show("recv", $n, $buf);

echo "-- MSG_PEEK\n";
show("write", socket_write($cli, "abcdefghij"));
$n = socket_recv($conn, $buf, 10, MSG_PEEK | MSG_WAITALL);
show("recv PEEK|WAITALL", $n, $buf);
$n = socket_recv($conn, $buf, 4, MSG_PEEK);
show("recv PEEK 4", $n, $buf);
$n = socket_recv($conn, $buf, 4, 0);
show("recv 4", $n, $buf);
$n = socket_recv($conn, $buf, 100, 0);
show("recv", $n, $buf);

echo "-- MSG_WAITALL: EOF before the length\n";
show("write", socket_write($cli, "xy"));
show("shutdown", socket_shutdown($cli, 1));
$n = socket_recv($conn, $buf, 10, MSG_WAITALL);
show("recv WAITALL 10", $n, $buf);
$n = socket_recv($conn, $buf, 10, MSG_WAITALL);
show("recv WAITALL at EOF", $n, $buf);

echo "-- MSG_OOB\n";
[, $cli2, $conn2] = tcppair();
show("send", socket_send($cli2, "ab", 2, 0));
show("send MSG_OOB", socket_send($cli2, "!", 1, MSG_OOB));
$r = [$conn2];
$w = null;
$e = [$conn2];
show("select", socket_select($r, $w, $e, 5), count($r), count($e));
$n = socket_recv($conn2, $buf, 1, MSG_OOB);
show("recv MSG_OOB", $n, $buf);
$n = socket_recv($conn2, $buf, 100, 0);
show("recv", $n, $buf);
$r = [$conn2];
$e = [$conn2];
show("select", socket_select($r, $w, $e, 0), count($r), count($e));
$buf = "old";
$n = socket_recv($conn2, $buf, 1, MSG_OOB);
show("recv MSG_OOB again", $n, $buf);

echo "-- SO_RCVTIMEO\n";
show("set", socket_set_option($conn2, SOL_SOCKET, SO_RCVTIMEO, ["sec" => 0, "usec" => 300000]));
show("get", socket_get_option($conn2, SOL_SOCKET, SO_RCVTIMEO));
socket_clear_error($conn2);
$t0 = now();
show("read", socket_read($conn2, 100));
show("waited at least the timeout", now() - $t0 >= 0.29);
show("last_error", socket_last_error($conn2));
$t0 = now();
$buf = "old";
$n = socket_recv($conn2, $buf, 100, 0);
show("recv", $n, $buf);
show("waited at least the timeout", now() - $t0 >= 0.29);
show("write", socket_write($cli2, "in time"));
show("read", socket_read($conn2, 100));

echo "-- SO_SNDTIMEO\n";
[, $cli3, $conn3] = tcppair();
$big = str_repeat("0123456789abcdefghij", 1 << 20);
show("set", socket_set_option($cli3, SOL_SOCKET, SO_SNDTIMEO, ["sec" => 0, "usec" => 100000]));
show("get", socket_get_option($cli3, SOL_SOCKET, SO_SNDTIMEO));
$t0 = now();
$n = socket_write($cli3, $big);
show("partial", $n > 0 && $n < strlen($big), now() - $t0 >= 0.09);
$tries = 0;
do {
    $tries++;
    $n = socket_write($cli3, $big);
} while ($n !== false && $tries < 30);
show("until", $n, socket_last_error($cli3));

echo "-- 20 MiB on a nonblocking socket with no reader\n";
[, $cli4, $conn4] = tcppair();
show("set_nonblock", socket_set_nonblock($cli4));
$n = socket_write($cli4, $big);
show("write", is_int($n) ? "number" : gettype($n), $n > 0 && $n < 20971520);
socket_clear_error($cli4);
// The kernel may still take a little more (its buffers grow as the peer
// acknowledges), so write until it takes nothing: that write is false, 11.
$again = socket_write($cli4, $big);
for ($writes = 1; $again !== false && $writes < 50; $writes++) {
    $again = socket_write($cli4, $big);
}
show("write again", $again);
show("last_error", socket_last_error($cli4));
show("send", socket_send($cli4, "x", 1, 0));
show("last_error", socket_last_error($cli4));
$r = null;
$w = [$cli4];
$e = null;
show("writable", socket_select($r, $w, $e, 0));

echo "-- nonblocking NORMAL_READ at EOF\n";
socket_create_pair(AF_UNIX, SOCK_STREAM, 0, $pair);
socket_set_nonblock($pair[1]);
socket_close($pair[0]);
show("read", socket_read($pair[1], 10));
show("normal read", socket_read($pair[1], 10, PHP_NORMAL_READ));
$buf = "old";
$n = socket_recv($pair[1], $buf, 10, 0);
show("recv", $n, $buf);
show("last_error", socket_last_error($pair[1]));
