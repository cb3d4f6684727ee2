<?php
// t10_identity: sockets compare by identity (==, in_array), an alias is
// the same socket, select hands back the very objects it was given, and a
// closed socket is still only equal to itself.
require __DIR__ . '/lib.php';
[$srv, $cli, $conn, $port] = pair();
$a = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
$b = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("a == b", $a == $b);
show("a == a", $a == $a);
show("in_array(a, {b})", in_array($a, [1 => $b]));
show("in_array(a, {b}, strict)", in_array($a, [1 => $b], true));
show("in_array(a, {a})", in_array($a, [1 => $a]));
show("in_array(a, {b, a})", in_array($a, [1 => $b, 2 => $a]));
$c = $a;
show("alias == a", $c == $a);
show("accepted differs from listener and client", $conn == $srv, $conn == $cli, $cli == $srv);
echo "-- select gives back the same objects\n";
socket_write($cli, "x");
waitbytes($conn, 1);
$r = [1 => $srv, 2 => $conn];
$w = null;
$e = null;
socket_select($r, $w, $e, 0);
show("r[2] == conn", $r[2] === $conn, $r[2] == $srv);
show("in_array(conn, r)", in_array($conn, $r), in_array($srv, $r), in_array($cli, $r));
echo "-- accept gives a new object each time\n";
$c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_connect($c2, "127.0.0.1", $port);
$k2 = socket_accept($srv);
show("new accepted", $k2 == $conn, $k2 == $k2);
echo "-- closed sockets\n";
socket_close($b);
show("a == closed b", $a == $b);
show("closed b == b", $b == $b);
show("in_array(b, {a})", in_array($b, [1 => $a]));
show("in_array(b, {b})", in_array($b, [1 => $b]));
socket_close($c);
show("closed alias == a", $c == $a);
attempt("use through alias", fn() => socket_write($a, "x"));
