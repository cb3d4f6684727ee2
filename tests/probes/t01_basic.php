<?php
// t01_basic: create, options, bind to port 0, listen, connect, accept, the
// address calls, write/send (length clamp), recv, EOF, close.
require __DIR__ . '/lib.php';

$srv = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "srv");
show("create", $srv);
show("set_option SO_REUSEADDR", socket_set_option($srv, SOL_SOCKET, SO_REUSEADDR, 1));
show("get_option SO_REUSEADDR", socket_get_option($srv, SOL_SOCKET, SO_REUSEADDR));
show("bind", socket_bind($srv, "127.0.0.1", 0));
$ok = socket_getsockname($srv, $addr, $port);
show("getsockname", $ok, $addr, is_int($port) && $port > 0);
show("listen 5", socket_listen($srv, 5));
show("listen again", socket_listen($srv));

$cli = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "cli");
show("connect", socket_connect($cli, "127.0.0.1", $port));
$conn = name(socket_accept($srv), "conn");
show("accept", $conn);
show("accepted is new", $conn !== $srv && $conn !== $cli);
$ok = socket_getpeername($conn, $pa, $pp);
show("getpeername conn", $ok, $pa, $pp > 0);
$ok = socket_getpeername($cli, $pa2, $pp2);
show("getpeername cli", $ok, $pa2, $pp2 === $port);
$ok = socket_getsockname($cli, $ca, $cp);
show("getsockname cli", $ok, $ca, $cp === $pp);
$ok = socket_getpeername($cli, $onlyaddr);
show("getpeername address only", $ok, $onlyaddr);

show("write", socket_write($cli, "hello\n"));
show("send", socket_send($cli, "world", 5, 0));
show("write length 3", socket_write($cli, "abcdef", 3));
show("write empty", socket_write($cli, ""));
show("send length clamped", socket_send($cli, "xyz", 10, 0));
show("all queued", waitbytes($conn, 17));
$n = socket_recv($conn, $buf, 100, 0);
show("recv", $n, $buf);

show("close cli", socket_close($cli));
$buf = "preset";
$n = socket_recv($conn, $buf, 100, 0);
show("recv at EOF", $n, $buf);
show("read at EOF", socket_read($conn, 100));
show("read NORMAL at EOF", socket_read($conn, 100, PHP_NORMAL_READ));
show("last_error", socket_last_error($conn), socket_last_error());
show("close conn", socket_close($conn));
show("close srv", socket_close($srv));
