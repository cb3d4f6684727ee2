<?php
// The canonical printer of every parity twin (tests/parity_test.go): the PHP
// half. show.lua is the Lua half and must print byte for byte the same text
// for the same behaviour. A suite's own helpers (tests/probes/lib.php,
// tests/dgram/lib.php, tests/netdb/nslib.php) load it with
//   require __DIR__ . '/../lib/show.php';
//
// Output convention: one line per observation, "label: v1, v2, ...", where
// each value is rendered canonically: nil (PHP null), true, false, integers,
// "strings" with C-like escapes (\\ \" \n \r \t \0, \xNN for other control
// and non-ASCII bytes), <name> for a socket registered with name() (<Socket>
// otherwise), <AddressInfo>, and arrays as {k=v, ...} with integer keys first
// (ascending), then string keys (byte order). showlist() renders a list the
// runtime created as [v1, v2] (PHP lists start at 0, Lua sequences at 1).
// "== name" lines (section()) cut the transcript into parts the Go test
// compares one by one.
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

// section starts a part of the transcript that the Go test compares on its
// own (and names in its report).
function section($name) {
    echo "== ", $name, "\n";
}

function now() { return microtime(true); }
