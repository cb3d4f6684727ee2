<?php
// udp6: the PHP twin of udp6.lua.
require __DIR__ . '/lib.php';

$u = socket_create(AF_INET6, SOCK_DGRAM, SOL_UDP);
show("bind", socket_bind($u, "::1", 0));
socket_getsockname($u, $uaddr, $uport);
show("bound", $uaddr, $uport > 0);
$v = socket_create(AF_INET6, SOCK_DGRAM, SOL_UDP);
show("sendto", socket_sendto($v, "six", 3, 0, "::1", $uport));
socket_getsockname($v, $vaddr, $vport);
show("sender sockname", $vaddr, $vport > 0);
$n = socket_recvfrom($u, $buf, 10, 0, $from, $fport);
show("recvfrom", $n, $buf, $from, $fport === $vport);
show("sendto", socket_sendto($u, "reply", 5, 0, $from, $fport));
$n = socket_recvfrom($v, $buf, 3, 0, $from, $fport);
show("recvfrom 3", $n, $buf, $from, $fport === $uport);
show("sendto", socket_sendto($v, "", 0, 0, "::1", $uport));
$n = socket_recvfrom($u, $buf, 10, 0, $from, $fport);
show("recvfrom", $n, $buf, $from);
echo "-- connected\n";
show("connect", socket_connect($v, "::1", $uport));
$ok = socket_getpeername($v, $paddr, $pport);
show("getpeername", $ok, $paddr, $pport === $uport);
show("write", socket_write($v, "six2"));
show("read", socket_read($u, 100));
show("sendto", socket_sendto($u, "back", 4, 0, "::1", $vport));
$n = socket_recv($v, $buf, 100, 0);
show("recv", $n, $buf);
echo "-- nonblocking\n";
socket_set_nonblock($u);
show("recvfrom", socket_recvfrom($u, $buf, 100, 0, $from, $fport));
show("last_error", socket_last_error($u));
