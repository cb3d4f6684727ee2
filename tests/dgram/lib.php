<?php
// Helpers for the PHP half of the datagram/Unix/nonblocking twins, over the
// canonical printer of every parity twin (tests/lib/show.php, where the
// output convention is described); lib.lua is the Lua twin.

require __DIR__ . '/../lib/show.php';

function waitr($s) {
    $r = [$s];
    $w = null;
    $e = null;
    return socket_select($r, $w, $e, 5);
}

function waitw($s) {
    $r = null;
    $w = [$s];
    $e = null;
    return socket_select($r, $w, $e, 5);
}

function tcppair() {
    $srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_bind($srv, "127.0.0.1", 0);
    socket_getsockname($srv, $a, $port);
    socket_listen($srv);
    $cli = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_connect($cli, "127.0.0.1", $port);
    return [$srv, $cli, socket_accept($srv), $port];
}

$__keep = [];
function closedport() {
    global $__keep;
    $s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_bind($s, "127.0.0.1", 0);
    socket_getsockname($s, $a, $port);
    $__keep[] = $s;
    return $port;
}

$TMP = $argv[1] ?? sys_get_temp_dir();
function rel($p) {
    global $TMP;
    if (is_string($p) && strncmp($p, $TMP, strlen($TMP)) === 0) {
        return '$TMP' . substr($p, strlen($TMP));
    }
    return $p;
}
