<?php
// t08_types: misuse raises an error worded as PHP's TypeError/ValueError
// (Lua type names on the Lua side: lib.php maps PHP's); a closed socket is
// an error for every call; numeric strings and integral numbers are
// accepted where PHP takes an int; scalars are converted where it takes a
// string.
require __DIR__ . '/lib.php';
[$srv, $cli, $conn, $port] = pair();
echo "-- closed socket\n";
$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("close", socket_close($s));
attempt("close again", fn() => socket_close($s));
attempt("write", fn() => socket_write($s, "x"));
attempt("read", fn() => socket_read($s, 10));
attempt("connect", fn() => socket_connect($s, "127.0.0.1", $port));
attempt("last_error", fn() => socket_last_error($s));
attempt("clear_error", fn() => socket_clear_error($s));
attempt("set_option", fn() => socket_set_option($s, SOL_SOCKET, SO_REUSEADDR, 1));
attempt("getsockname", fn() => socket_getsockname($s, $a));
attempt("select read", function () use ($s) { $r = [1 => $s]; $w = null; $e = null; return socket_select($r, $w, $e, 0); });
attempt("select write", function () use ($s, $cli) { $r = [1 => $cli]; $w = [1 => $s]; $e = null; return socket_select($r, $w, $e, 0); });
echo "-- a closed accepted socket, its peer sees EOF\n";
socket_close($conn);
attempt("recv closed", fn() => socket_recv($conn, $b, 10, 0));
show("peer read", socket_read($cli, 10));
echo "-- wrong types\n";
attempt("write string socket", fn() => socket_write("notasocket", "x"));
attempt("write nil socket", fn() => socket_write(null, "x"));
attempt("read number socket", fn() => socket_read(42, 10));
attempt("read boolean socket", fn() => socket_read(true, 10));
attempt("read table socket", fn() => socket_read([], 10));
attempt("create string domain", fn() => socket_create("inet", SOCK_STREAM, 0));
attempt("create table type", fn() => socket_create(AF_INET, [], 0));
attempt("create numeric strings", fn() => name(socket_create("2", "1", "6"), "numeric") );
attempt("create 2.0", fn() => name(socket_create(2.0, SOCK_STREAM, 0), "float"));
attempt("create 2.5", fn() => name(socket_create(2.5, SOCK_STREAM, 0), "fraction"));
attempt("create too few", fn() => socket_create(AF_INET, SOCK_STREAM));
$s2 = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
attempt("bind port 'abc'", fn() => socket_bind($s2, "127.0.0.1", "abc"));
attempt("bind port '12abc'", fn() => socket_bind($s2, "127.0.0.1", "12abc"));
attempt("bind port ''", fn() => socket_bind($s2, "127.0.0.1", ""));
attempt("bind address table", fn() => socket_bind($s2, [], 0));
attempt("bind port '0'", fn() => socket_bind($s2, "127.0.0.1", "0"));
attempt("read 0", fn() => socket_read($s2, 0));
attempt("read -1", fn() => socket_read($s2, -1));
attempt("read mode 99", fn() => socket_read($s2, 10, 99));
attempt("read length 'x'", fn() => socket_read($s2, "x"));
attempt("write length -1", fn() => socket_write($s2, "x", -1));
attempt("write length 'a'", fn() => socket_write($s2, "x", "a"));
attempt("connect port 'a'", fn() => socket_connect($s2, "127.0.0.1", "a"));
attempt("write data table", fn() => socket_write($s2, []));
attempt("listen backlog 'x'", fn() => socket_listen($s2, "x"));
attempt("set_option RCVTIMEO number", fn() => socket_set_option($s2, SOL_SOCKET, SO_RCVTIMEO, 5));
attempt("set_option RCVTIMEO no usec", fn() => socket_set_option($s2, SOL_SOCKET, SO_RCVTIMEO, ["sec" => 1]));
attempt("set_option LINGER no l_linger", fn() => socket_set_option($s2, SOL_SOCKET, SO_LINGER, ["l_onoff" => 1]));
attempt("set_option LINGER number", fn() => socket_set_option($s2, SOL_SOCKET, SO_LINGER, 1));
attempt("set_option 9999", fn() => socket_set_option($s2, SOL_SOCKET, 9999, 1));
attempt("get_option 9999", fn() => socket_get_option($s2, SOL_SOCKET, 9999));
attempt("shutdown 5", fn() => socket_shutdown($s2, 5));
attempt("shutdown 2", fn() => socket_shutdown($s2, 2));
attempt("strerror 'x'", fn() => socket_strerror("x"));
attempt("strerror '111'", fn() => socket_strerror("111"));
attempt("strerror table", fn() => socket_strerror([]));
attempt("last_error 'x'", fn() => socket_last_error("x"));
attempt("last_error 1", fn() => socket_last_error(1));
attempt("recv -1", fn() => socket_recv($s2, $b, -1, 0));
attempt("recv 0", fn() => socket_recv($s2, $b, 0, 0));
attempt("select all nil", function () { $r = null; $w = null; $e = null; return socket_select($r, $w, $e, 0); });
attempt("select all empty", function () { $r = []; $w = []; $e = []; return socket_select($r, $w, $e, 0); });
attempt("select number element", function () { $r = [1 => 1, 2 => "x"]; $w = null; $e = null; return socket_select($r, $w, $e, 0); });
attempt("select string element in write", function () use ($cli) { $r = [1 => $cli]; $w = [1 => "x"]; $e = null; return socket_select($r, $w, $e, 0); });
attempt("select seconds 'x'", function () use ($cli) { $r = [1 => $cli]; $w = null; $e = null; return socket_select($r, $w, $e, "x"); });
echo "-- numeric strings and integral numbers where an int is taken\n";
[$srv3, $c3, $k3, $port3] = pair("3");
attempt("connect port string", function () use ($port3) {
    $c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    return socket_connect($c, "127.0.0.1", (string)$port3);
});
attempt("accept", fn() => socket_accept($srv3) instanceof Socket);
attempt("write length '2'", fn() => socket_write($c3, "abc", "2"));
attempt("send length ' 1'", fn() => socket_send($c3, "xyz", " 1", "0"));
waitbytes($k3, 3);
attempt("read length '3'", fn() => socket_read($k3, "3"));
socket_write($c3, "defg");
waitbytes($k3, 4);
attempt("read length 3.0", fn() => socket_read($k3, 3.0, "2"));
echo "-- scalars where a string is taken\n";
attempt("write number", fn() => socket_write($c3, 12345));
attempt("write 1.5", fn() => socket_write($c3, 1.5));
attempt("write true", fn() => socket_write($c3, true));
attempt("write false", fn() => socket_write($c3, false));
attempt("queued", fn() => waitbytes($k3, 9));
attempt("read", fn() => socket_read($k3, 100));
attempt("connect address number", function () {
    $c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    return socket_connect($c, 2130706433, closedport()); // "2130706433" is 127.0.0.1 for inet_aton
});
