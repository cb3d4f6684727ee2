<?php // json_encode: flags, escapes, invalid UTF-8, floats and errors
echo json_encode(null), json_encode(true), json_encode(false), json_encode(0), json_encode(-12), json_encode(1.5), json_encode(0.1), json_encode(-0.0), json_encode(1e100), json_encode(1.0E-7), "\n";
echo json_encode([]), json_encode(["a", "b"]), json_encode(["x" => 1, "y" => [1, [2, []]]]), json_encode([5 => 5]), json_encode(["a", "k" => "v"]), "\n";
echo json_encode("a/b \"q\" \\ \n\r\t\x08\x0c\x01\x1f é € 😀 \u{2028}"), "\n";
echo json_encode("a/b é 😀 \u{2028}", JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
echo json_encode("<a href='x'>&amp;\"</a>", JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT), "\n";
echo json_encode([], JSON_FORCE_OBJECT), json_encode(["a", ["b"]], JSON_FORCE_OBJECT), "\n";
echo json_encode(["name" => "sock", "ports" => [80, 443], "opts" => [], "nested" => ["a" => ["b" => 1.25]]], JSON_PRETTY_PRINT), "\n";
echo json_encode([[]], JSON_PRETTY_PRINT), json_encode([], JSON_PRETTY_PRINT), "\n";
var_dump(json_encode("ok"), json_last_error(), json_last_error_msg());
var_dump(json_encode("bad \xff byte"), json_last_error(), json_last_error_msg());
var_dump(json_encode(["k" => "\xc3\x28"]), json_last_error_msg());
var_dump(json_encode("a\xffb\xc3", JSON_INVALID_UTF8_SUBSTITUTE), json_encode("a\xffb", JSON_INVALID_UTF8_IGNORE), json_encode("\xff\u{e9}", JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_UNICODE));
var_dump(json_encode("\xff", JSON_PARTIAL_OUTPUT_ON_ERROR), json_last_error());
var_dump(json_encode(NAN), json_last_error_msg(), json_encode(INF, JSON_PARTIAL_OUTPUT_ON_ERROR));
var_dump(json_encode([[1]], 0, 1), json_last_error_msg(), json_encode([1], 0, 1), json_last_error());
try { json_encode("\xff", JSON_THROW_ON_ERROR); } catch (JsonException $e) { echo $e->getMessage(), "\n"; }
var_dump(json_last_error());
echo json_encode(["3", "1.5", "x", "1e3"], JSON_NUMERIC_CHECK), json_encode(1e25), json_encode(0.30000000000000004), json_encode("\0"), "\n";
