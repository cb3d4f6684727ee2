<?php
// unix_unnamed: the PHP twin of unix_unnamed.lua.
require __DIR__ . '/lib.php';

$spath = "$TMP/named.sock";
$l = socket_create(AF_UNIX, SOCK_STREAM, 0);
socket_bind($l, $spath);
socket_listen($l);
$c = socket_create(AF_UNIX, SOCK_STREAM, 0);
socket_connect($c, $spath);
$x = socket_accept($l);
$ok = socket_getsockname($c, $addr);
show("client getsockname", $ok, $addr);
$ok = socket_getpeername($x, $addr);
show("accepted getpeername", $ok, $addr);
socket_create_pair(AF_UNIX, SOCK_STREAM, 0, $pair);
$ok = socket_getsockname($pair[0], $addr);
show("pair getsockname", $ok, $addr);
$ok = socket_getpeername($pair[1], $addr);
show("pair getpeername", $ok, $addr);
$u = socket_create(AF_UNIX, SOCK_DGRAM, 0);
socket_bind($u, "$TMP/d.sock");
$v = socket_create(AF_UNIX, SOCK_DGRAM, 0);
show("sendto", socket_sendto($v, "anon", 4, 0, "$TMP/d.sock"));
$n = socket_recvfrom($u, $buf, 100, 0, $from);
show("recvfrom", $n, $buf, $from);
$ok = socket_getsockname($v, $addr);
show("unbound dgram getsockname", $ok, $addr);
