<?php
// Helpers shared by the PHP half of every parity probe; lib.lua is the Lua
// twin and must print byte for byte the same text for the same behaviour.
//
// Output convention: one line per observation, "label: v1, v2, ...", where
// each value is rendered canonically: nil (PHP null), true, false, integers,
// "strings" with C-like escapes, <name> for a socket registered with name()
// (<Socket> otherwise), and arrays as {k=v, ...} with integer keys first
// (ascending), then string keys (byte order). showlist() renders a list the
// runtime created as [v1, v2] (PHP lists start at 0, Lua sequences at 1).
//
// Misuse errors are printed as "label: error: <message>" without the
// exception class, with PHP's type names mapped to Lua's ("int given" ->
// "number given", "null given" -> "nil given", ...), so the Lua side can
// print its own message unchanged.

error_reporting(E_ALL & ~E_DEPRECATED);

$__names = new WeakMap();

// name registers a display name for a socket and returns the socket.
function name($s, $n) {
    global $__names;
    if ($s instanceof Socket) {
        $__names[$s] = $n;
    }
    return $s;
}

function quote($s) {
    $o = '"';
    for ($i = 0, $n = strlen($s); $i < $n; $i++) {
        $c = $s[$i];
        $b = ord($c);
        if ($c === "\\" || $c === '"') {
            $o .= "\\" . $c;
        } elseif ($c === "\n") {
            $o .= "\\n";
        } elseif ($c === "\r") {
            $o .= "\\r";
        } elseif ($c === "\t") {
            $o .= "\\t";
        } elseif ($b === 0) {
            $o .= "\\0";
        } elseif ($b < 32 || $b >= 127) {
            $o .= sprintf("\\x%02x", $b);
        } else {
            $o .= $c;
        }
    }
    return $o . '"';
}

function render($v) {
    global $__names;
    if ($v === null) {
        return "nil";
    }
    if (is_bool($v)) {
        return $v ? "true" : "false";
    }
    if (is_int($v)) {
        return (string)$v;
    }
    if (is_float($v)) {
        return ($v == floor($v) && abs($v) < 2 ** 53) ? sprintf("%d", $v) : sprintf("%.14g", $v);
    }
    if (is_string($v)) {
        return quote($v);
    }
    if ($v instanceof Socket) {
        return "<" . ($__names[$v] ?? "Socket") . ">";
    }
    if (is_array($v)) {
        $ints = [];
        $strs = [];
        foreach (array_keys($v) as $k) {
            if (is_int($k)) {
                $ints[] = $k;
            } else {
                $strs[] = $k;
            }
        }
        sort($ints, SORT_NUMERIC);
        sort($strs, SORT_STRING);
        $items = [];
        foreach (array_merge($ints, $strs) as $k) {
            $items[] = $k . "=" . render($v[$k]);
        }
        return "{" . implode(", ", $items) . "}";
    }
    return "<" . gettype($v) . ">";
}

// Several values for attempt(), as a Lua function returns several values.
final class Vals {
    public $vs;
    public function __construct($vs) { $this->vs = $vs; }
}
function vals(...$vs) { return new Vals($vs); }

function show($label, ...$vs) {
    if (count($vs) === 0) {
        $vs = [null];
    }
    echo $label, ": ", implode(", ", array_map('render', $vs)), "\n";
}

function showlist($label, $v) {
    if (is_array($v) && array_is_list($v)) {
        echo $label, ": [", implode(", ", array_map('render', $v)), "]\n";
    } else {
        show($label, $v);
    }
}

function errmsg($m) {
    $map = ["int" => "number", "float" => "number", "null" => "nil", "bool" => "boolean",
            "true" => "boolean", "false" => "boolean", "array" => "table"];
    return preg_replace_callback('/\b(int|float|null|bool|true|false|array) given\b/',
        fn($m) => $map[$m[1]] . " given", $m);
}

// attempt runs $fn and shows what it returned, or the message of what it threw.
function attempt($label, $fn) {
    try {
        $r = $fn();
    } catch (Throwable $e) {
        echo $label, ": error: ", errmsg($e->getMessage()), "\n";
        return;
    }
    if ($r instanceof Vals) {
        show($label, ...$r->vs);
    } else {
        show($label, $r);
    }
}

function now() { return microtime(true); }

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
