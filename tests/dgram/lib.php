<?php
// Helpers for the PHP half of the datagram/Unix/nonblocking twins; lib.lua
// is the Lua twin and must print byte for byte the same text for the same
// behaviour (the format is described there). Thrown errors are shown
// without their class, with PHP's type names mapped to Lua's.

error_reporting(E_ALL & ~E_DEPRECATED);

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
        return $v == floor($v) ? sprintf("%d", $v) : sprintf("%.14g", $v);
    }
    if (is_string($v)) {
        return quote($v);
    }
    if ($v instanceof Socket) {
        return "<Socket>";
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

function show($label, ...$vs) {
    if (count($vs) === 0) {
        $vs = [null];
    }
    echo $label, ": ", implode(", ", array_map('render', $vs)), "\n";
}

function attempt($label, $fn) {
    try {
        $r = $fn();
    } catch (Throwable $e) {
        $map = ["int" => "number", "float" => "number", "null" => "nil", "bool" => "boolean",
                "array" => "table"];
        echo $label, ": error: ", preg_replace_callback('/\b(int|float|null|bool|array) given\b/',
            fn($m) => $map[$m[1]] . " given", $e->getMessage()), "\n";
        return;
    }
    show($label, $r);
}

function now() { return microtime(true); }

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
