<?php
// t23_reuse: SO_REUSEADDR is on only when the script sets it: rebinding a
// port whose server side closed first (TIME_WAIT) works only when both the
// old and the new socket set it. An accepted socket is blocking even when
// the listener is nonblocking.
require __DIR__ . '/lib.php';
function cycle($reuseFirst, $reuseSecond) {
    $srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    if ($reuseFirst) {
        socket_set_option($srv, SOL_SOCKET, SO_REUSEADDR, 1);
    }
    socket_bind($srv, "127.0.0.1", 0);
    socket_getsockname($srv, $a, $port);
    socket_listen($srv);
    $c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_connect($c, "127.0.0.1", $port);
    $k = socket_accept($srv);
    socket_close($k);   // the server side closes first: it ends in TIME_WAIT
    socket_close($srv);
    waitr($c);          // the FIN arrived
    socket_close($c);
    $s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    if ($reuseSecond) {
        socket_set_option($s, SOL_SOCKET, SO_REUSEADDR, 1);
    }
    $ok = socket_bind($s, "127.0.0.1", $port);
    show("first reuse=" . (int)$reuseFirst . " second reuse=" . (int)$reuseSecond . ": rebind", $ok, socket_last_error($s));
    return [$s, $port];
}
cycle(false, false);
cycle(false, true);
cycle(true, false);
[$s2, $port] = cycle(true, true);
echo "-- an accepted socket is blocking even when the listener is nonblocking\n";
show("listen", socket_listen($s2));
socket_set_nonblock($s2);
$c2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_connect($c2, "127.0.0.1", $port);
waitr($s2);
$k2 = socket_accept($s2);
socket_set_option($k2, SOL_SOCKET, SO_RCVTIMEO, ["sec" => 0, "usec" => 100000]);
$t = now();
show("read", socket_read($k2, 10), socket_last_error($k2));
show("waited for the timeout (blocking)", now() - $t >= 0.05);
socket_write($c2, "data");
show("read", socket_read($k2, 10));
