<?php
// udp: the PHP twin of udp.lua.
require __DIR__ . '/lib.php';

$a = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
show("bind", socket_bind($a, "127.0.0.1", 0));
socket_getsockname($a, $aaddr, $aport);
show("bound", $aaddr, $aport > 0);
$b = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
$ok = socket_getsockname($b, $x, $y);
show("unbound sockname", $ok, $x, $y);

echo "-- sendto from an unbound socket\n";
show("sendto", socket_sendto($b, "hello", 5, 0, "127.0.0.1", $aport));
show("sendto 5 of 7", socket_sendto($b, "worldXX", 5, 0, "127.0.0.1", $aport));
$ok = socket_getsockname($b, $baddr, $bport);
show("sender sockname", $ok, $baddr, $bport > 0);
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from, $fport === $bport);
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from, $fport === $bport);

echo "-- a datagram longer than the length\n";
show("sendto", socket_sendto($b, "0123456789", 10, 0, "127.0.0.1", $aport));
show("sendto", socket_sendto($b, "second", 6, 0, "127.0.0.1", $aport));
$n = socket_recvfrom($a, $buf, 4, 0, $from, $fport);
show("recvfrom 4", $n, $buf, $from, $fport === $bport);
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom 100", $n, $buf);

echo "-- binary datagram\n";
$bin = "";
for ($i = 0; $i < 256; $i++) {
    $bin .= chr($i);
}
$bin .= "\0\0end\0";
show("sendto", socket_sendto($b, $bin, strlen($bin), 0, "127.0.0.1", $aport));
$n = socket_recvfrom($a, $buf, 65535, 0, $from, $fport);
show("recvfrom", $n, $buf === $bin);

echo "-- empty datagram\n";
show("sendto", socket_sendto($b, "", 0, 0, "127.0.0.1", $aport));
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from, $fport === $bport);
show("sendto", socket_sendto($b, "", 0, 0, "127.0.0.1", $aport));
$buf = "old";
$n = socket_recv($a, $buf, 100, 0);
show("recv", $n, $buf);
show("sendto", socket_sendto($b, "", 0, 0, "127.0.0.1", $aport));
show("read", socket_read($a, 100));

echo "-- nonblocking, no datagram\n";
show("set_nonblock", socket_set_nonblock($a));
socket_clear_error($a);
socket_clear_error();
show("recvfrom", socket_recvfrom($a, $buf, 100, 0, $from, $fport));
show("last_error", socket_last_error($a), socket_last_error());
$buf = "old";
$n = socket_recv($a, $buf, 100, 0);
show("recv", $n, $buf);
show("read", socket_read($a, 100));
show("last_error", socket_last_error($a));
show("sendto", socket_sendto($b, "late", 4, 0, "127.0.0.1", $aport));
show("readable", waitr($a));
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf);
show("set_block", socket_set_block($a));
$buf = "old";
$n = socket_recv($a, $buf, 100, MSG_DONTWAIT);
show("recv MSG_DONTWAIT", $n, $buf);
show("last_error", socket_last_error($a));

echo "-- SO_BROADCAST\n";
show("get", socket_get_option($b, SOL_SOCKET, SO_BROADCAST));
show("set 1", socket_set_option($b, SOL_SOCKET, SO_BROADCAST, 1));
show("get", socket_get_option($b, SOL_SOCKET, SO_BROADCAST));
show("set 0", socket_set_option($b, SOL_SOCKET, SO_BROADCAST, 0));
show("get", socket_get_option($b, SOL_SOCKET, SO_BROADCAST));
show("SO_TYPE", socket_get_option($b, SOL_SOCKET, SO_TYPE));

echo "-- connected UDP\n";
$c = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
show("connect", socket_connect($c, "127.0.0.1", $aport));
socket_getsockname($c, $x, $cport);
$ok2 = socket_getpeername($c, $paddr, $pport);
show("getpeername", $ok2, $paddr, $pport === $aport);
show("send", socket_send($c, "via-send", 8, 0));
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from, $fport === $cport);
show("write", socket_write($c, "via-write"));
show("read", socket_read($a, 100));
show("write", socket_write($c, "d1"), socket_write($c, "d2"));
show("read", socket_read($a, 100), socket_read($a, 100));
show("sendto", socket_sendto($a, "reply1", 6, 0, "127.0.0.1", $cport));
show("sendto", socket_sendto($a, "reply2", 6, 0, "127.0.0.1", $cport));
$n = socket_recv($c, $buf, 100, 0);
show("recv", $n, $buf);
show("read", socket_read($c, 100));
echo "-- connected UDP: truncation, strangers, empty datagrams\n";
show("sendto", socket_sendto($a, "abcdefgh", 8, 0, "127.0.0.1", $cport));
show("sendto", socket_sendto($b, "stranger", 8, 0, "127.0.0.1", $cport));
show("sendto", socket_sendto($a, "next", 4, 0, "127.0.0.1", $cport));
$n = socket_recv($c, $buf, 3, 0);
show("recv 3", $n, $buf);
$n = socket_recv($c, $buf, 100, 0);
show("recv", $n, $buf);
show("send", socket_send($c, "", 0, 0));
$buf = "old";
$n = socket_recv($a, $buf, 100, 0);
show("recv", $n, $buf);
show("write", socket_write($c, ""));
show("read", socket_read($a, 100));
show("sendto", socket_sendto($a, "", 0, 0, "127.0.0.1", $cport));
$buf = "old";
$n = socket_recv($c, $buf, 100, 0);
show("recv", $n, $buf);

echo "-- connected UDP to a closed port: ICMP refusal\n";
$dead = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
socket_bind($dead, "127.0.0.1", 0);
socket_getsockname($dead, $x, $deadport);
socket_close($dead);
$e = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
show("connect", socket_connect($e, "127.0.0.1", $deadport));
show("send", socket_send($e, "x", 1, 0));
show("readable", waitr($e));
$buf = "old";
$n = socket_recv($e, $buf, 100, 0);
show("recv", $n, $buf);
show("last_error", socket_last_error($e), socket_last_error());
show("SO_ERROR", socket_get_option($e, SOL_SOCKET, SO_ERROR));

echo "-- sendto a host name\n";
show("sendto localhost", socket_sendto($b, "hn", 2, 0, "localhost", $aport));
$n = socket_recvfrom($a, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from);

echo "-- errors\n";
attempt("sendto without port", fn() => socket_sendto($b, "x", 1, 0, "127.0.0.1"));
attempt("recvfrom negative length", fn() => socket_recvfrom($a, $buf, -1, 0, $from, $fport));
$t = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("recvfrom on unconnected TCP", socket_recvfrom($t, $buf, 100, 0, $from, $fport));
show("sendto on unconnected TCP", socket_sendto($t, "x", 1, 0, "127.0.0.1", $aport));
show("sendto an IPv6 literal", socket_sendto($b, "x", 1, 0, "::1", $aport));
