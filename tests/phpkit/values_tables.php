<?php // how Lua tables stand for PHP arrays: lists, list part plus string keys, explicit keys, key order
var_dump(["a", "b", "c"], ["first", "second", "name" => "x"], [0 => "zero", 1 => "one", "k" => "v"]);
var_dump([2 => "two", 3 => "three"], [-1 => "minus", 0 => "zero"], [10 => "a", 20 => "b", "x" => "c"]);
var_dump(["5" => "numeric string key", "05" => "not numeric", "-7" => "neg", "1.5" => "float-ish"]);
$h = []; $h["zeta"] = 1; $h["alpha"] = 2; $h["mid"] = 3; var_dump($h); echo json_encode($h), "\n";
$o = ["z" => 1, "a" => ["y" => 2, "b" => 3]]; print_r($o); var_export($o); echo "\n", json_encode($o), "\n";
$list = []; $list[] = "x"; $list[] = "y"; var_dump($list, count($list), json_encode($list));
var_dump(array("sock", "other"), array(), array(["nested"]), [[]], [[], [[]]]);
$a = ["k" => "v"]; $a["k"] = "w"; $a["n"] = 1; var_dump($a);
echo json_encode(["a" => 1, "b" => ["c" => [1, 2, ["e" => "f"]]]]), "\n";
var_dump(json_decode(json_encode(["a", "b", "c"])), json_decode(json_encode(["k" => [1, 2]]), true));
