<?php // the array functions porters meet, on lists and on string-keyed arrays
$a = ["x", "y", "z", "y"]; $h = ["host" => "localhost", "port" => 80, "tags" => ["a", "b"]];
var_dump(count($a), count($h), count($h, COUNT_RECURSIVE), count([]), sizeof([1, [2, 3]], 1));
var_dump(in_array("y", $a), in_array("w", $a), in_array("80", $h), in_array("80", $h, true), in_array(0, ["a"]), in_array(null, [0]));
var_dump(array_search("z", $h), array_search(80, $h), array_search("80", $h, true), array_search("nope", $h));
var_dump(array_values($h), array_keys($h), array_keys(["a" => 1, "b" => 2, "c" => 1], 1));
var_dump(array_key_exists("port", $h), array_key_exists("nope", $h), key_exists("host", $h), array_key_first($h), array_key_last($h), array_key_first([]));
var_dump(array_merge($h, ["port" => 8080, "extra" => true]), array_combine(["a", "b"], [1, 2]), array_flip(["a" => "x", "b" => "y"]));
var_dump(array_reverse(["a" => 1, "b" => 2]), array_reverse(["p" => "q", "r" => "s"], true));
var_dump(array_map(fn($v) => $v * 2, ["a" => 1, "b" => 2]), array_map(null, ["a" => 1]));
var_dump(array_filter(["a" => 1, "b" => 0, "c" => "x", "d" => ""]), array_filter(["a" => 1, "bb" => 2], fn($k) => strlen($k) > 1, ARRAY_FILTER_USE_KEY));
var_dump(array_filter(["a" => 1, "b" => 2], fn($v, $k) => $v > 1 && $k == "b", ARRAY_FILTER_USE_BOTH));
var_dump(array_sum([1, 2, 3.5, "4"]), array_sum([]), array_product([2, "3", 4]), array_unique(["k" => "a", "l" => "b", "m" => "a"]));
var_dump(array_slice(["a" => 1, "b" => 2, "c" => 3], 1), array_slice(["a" => 1, "b" => 2, "c" => 3], -2, 1), array_slice(["a" => 1, "b" => 2], 5));
var_dump(array("a", "b"), array("k" => "v"), array());
