<?php
// Helpers for the PHP half of the tests/netdb parity twins; nslib.lua is the
// Lua half and prints byte for byte the same text for the same behaviour.
//
// One line per observation, "label: v1, v2, ...". Values are rendered
// canonically: nil, true, false, integers, "strings" (C-like escapes),
// <Socket>, <AddressInfo>, and arrays as {k=v, ...} with integer keys first
// (ascending), then string keys (byte order). Lists the runtime creates are
// rendered by showlist() as [v1, v2]. A misuse error is printed as
// "label: error: <message>" without PHP's exception class, with PHP's type
// names mapped to Lua's ("int given" -> "number given").

error_reporting(E_ALL & ~E_DEPRECATED);

function quote($s) {
    $o = '"';
    for ($i = 0, $n = strlen($s); $i < $n; $i++) {
        $c = $s[$i];
        $b = ord($c);
        if ($c === "\\" || $c === '"') {
            $o .= "\\" . $c;
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
        return ($v == floor($v) && abs($v) < 2 ** 53) ? sprintf("%d", $v) : sprintf("%.14g", $v);
    }
    if (is_string($v)) {
        return quote($v);
    }
    if ($v instanceof Socket) {
        return "<Socket>";
    }
    if ($v instanceof AddressInfo) {
        return "<AddressInfo>";
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
            "true" => "boolean", "false" => "boolean", "array" => "table", "string" => "string"];
    return preg_replace_callback('/\b(int|float|null|bool|true|false|array|string) given\b/',
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

// explain_all renders every AddressInfo of a lookup result, in order.
function explain_all($label, $r) {
    if (!is_array($r)) {
        show($label, $r);
        return;
    }
    echo $label, ": ", count($r), " result(s)\n";
    foreach ($r as $i => $ai) {
        show("  [" . ($i + 1) . "]", socket_addrinfo_explain($ai));
    }
}

// section starts a part of the transcript that the Go test compares on its
// own (and names in its report).
function section($name) {
    echo "== ", $name, "\n";
}
