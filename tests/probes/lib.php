<?php
// The probes' own helpers (TCP pairs, waits, a closed port), over the
// canonical printer of every parity twin (tests/lib/show.php, where the
// output convention is described); lib.lua is the Lua twin.

require __DIR__ . '/../lib/show.php';

// pair returns [listener, client, accepted, port]: a TCP connection on
// 127.0.0.1 inside one process; the listener was bound to port 0.
function pair($sfx = "") {
    $srv = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "srv$sfx");
    socket_set_option($srv, SOL_SOCKET, SO_REUSEADDR, 1);
    socket_bind($srv, "127.0.0.1", 0);
    socket_getsockname($srv, $a, $port);
    socket_listen($srv);
    $cli = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "cli$sfx");
    socket_connect($cli, "127.0.0.1", $port);
    $conn = name(socket_accept($srv), "conn$sfx");
    return [$srv, $cli, $conn, $port];
}

// waitr waits (at most 5 s) until $s is readable: data, EOF, a reset or a
// pending connection. It stands in for the original probes' sleeps.
function waitr($s) {
    $r = [$s];
    $w = null;
    $e = null;
    return socket_select($r, $w, $e, 5);
}

// waitw waits (at most 5 s) until $s is writable.
function waitw($s) {
    $r = null;
    $w = [$s];
    $e = null;
    return socket_select($r, $w, $e, 5);
}

// waitbytes blocks until $n bytes are queued on $s, without consuming them.
function waitbytes($s, $n) {
    return socket_recv($s, $buf, $n, MSG_PEEK | MSG_WAITALL);
}

$__keep = [];

// closedport returns a loopback port nobody listens on: it is bound (so
// nobody else can take it) but not listening, so connecting is refused.
function closedport() {
    global $__keep;
    $s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_bind($s, "127.0.0.1", 0);
    socket_getsockname($s, $a, $port);
    $__keep[] = $s;
    return $port;
}

$__idle = null;

// poll_until calls $fn until it returns true, napping 10 ms between calls
// (in select on a listener nobody connects to), for at most 5 s.
function poll_until($fn) {
    global $__idle;
    if ($__idle === null) {
        $__idle = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        socket_bind($__idle, "127.0.0.1", 0);
        socket_listen($__idle);
    }
    for ($i = 0; $i < 500; $i++) {
        if ($fn()) {
            return true;
        }
        $r = [$__idle];
        $w = null;
        $e = null;
        socket_select($r, $w, $e, 0, 10000);
    }
    return false;
}

// The arguments the test gives every probe: a scratch directory (for AF_UNIX
// paths) and the port of its sink peer (it reads a connection to EOF, then
// answers with the byte count and "\n").
$TMP = $argv[1] ?? sys_get_temp_dir();
$SINK = (int)($argv[2] ?? 0);
