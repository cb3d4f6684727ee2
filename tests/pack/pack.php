<?php
// Parity twin of pack.lua: runs every case of cases.txt through PHP's pack()
// and unpack() and prints one canonical transcript, which sockrun running
// pack.lua must print byte for byte (warnings included, at their place).
//
// A case line is "pack FORMAT ARG..." or "unpack FORMAT DATA [OFFSET]",
// fields separated by one space. FORMAT is written as is, or as x:HEX when it
// has spaces. Every other field is a typed token:
//   i:123  an int (a Lua number)      f:1.5  a float (a Lua number)
//   s:abc  a string as written         x:6162 a string given in hex
//   b:1    true (b:0 false)            nil    null (nil)
//   arr:0  an empty array ({})         arr:1  the array [1] ({1})
// The transcript repeats each case line, then what the call warned, then
// "  => RESULT": pack's string in hex, unpack's array as {k=v, ...} (integer
// keys first, ascending, then string keys in byte order), or "  error: MSG"
// for what it threw. "== name" lines start sections.

error_reporting(E_ALL & ~E_DEPRECATED);

// quote is the canonical printer's (tests/lib/show.php); numbers and keys
// are rendered exactly here (renderExact), with integral floats in the int64
// range as integers, others in %.17e.
require __DIR__ . '/../lib/show.php';

// num renders a number as the Lua twin can: integral values in the int64
// range as integers, others in %.17e with PHP's short exponent.
function num($v) {
    if (is_int($v)) {
        return (string)$v;
    }
    if (is_nan($v)) {
        return "nan";
    }
    if (is_infinite($v)) {
        return $v > 0 ? "inf" : "-inf";
    }
    if ($v == floor($v) && $v >= -(2 ** 63) && $v < 2 ** 63) {
        return sprintf("%d", $v);
    }
    return sprintf("%.17e", $v);
}

function renderExact($v) {
    if ($v === null) {
        return "nil";
    }
    if (is_bool($v)) {
        return $v ? "true" : "false";
    }
    if (is_int($v) || is_float($v)) {
        return num($v);
    }
    if (is_string($v)) {
        return quote($v);
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
            $items[] = (is_int($k) ? $k : quote($k)) . "=" . renderExact($v[$k]);
        }
        return "{" . implode(", ", $items) . "}";
    }
    return "<" . gettype($v) . ">";
}

function token($t) {
    if ($t === "nil") {
        return null;
    }
    [$kind, $text] = explode(":", $t, 2);
    switch ($kind) {
        case "i": return (int)$text;
        case "f": return (float)$text;
        case "s": return $text;
        case "x": return hex2bin($text);
        case "b": return $text === "1";
        case "arr": return $text === "0" ? [] : [1];
    }
    throw new Exception("bad token $t");
}

foreach (file(__DIR__ . "/cases.txt", FILE_IGNORE_NEW_LINES) as $line) {
    if ($line === "" || $line[0] === "#") {
        continue;
    }
    echo $line, "\n";
    if (str_starts_with($line, "== ")) {
        continue;
    }
    $fields = explode(" ", $line);
    $op = array_shift($fields);
    $format = array_shift($fields);
    $format = str_starts_with($format, "x:") ? hex2bin(substr($format, 2)) : $format;
    $args = array_map('token', $fields);
    try {
        $r = $op === "pack" ? pack($format, ...$args) : unpack($format, ...$args);
    } catch (Throwable $e) {
        echo "  error: ", $e->getMessage(), "\n";
        continue;
    }
    echo "  => ", ($op === "pack" && is_string($r)) ? bin2hex($r) : renderExact($r), "\n";
}
