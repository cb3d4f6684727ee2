<?php // lists changed in place (push, pop, shift, unshift, splice, sort) and made (range, slice, merge)
$l = ["b", "c"]; var_dump(array_push($l, "d", "e"), array_unshift($l, "a"), $l);
var_dump(array_pop($l), array_shift($l), $l); $e1 = []; $e2 = []; var_dump(array_pop($e1), array_shift($e2));
$m = [5 => "five", 9 => "nine", 12 => "v"]; var_dump(array_shift($m), $m); array_push($m, "more"); var_dump($m);
$s = [1, 2, 3, 4, 5]; var_dump(array_splice($s, 1, 2)); var_dump($s); var_dump(array_splice($s, -1, 1, ["x", "y"])); var_dump($s);
$t = ["a", "b", "c"]; var_dump(array_splice($t, 1, 0, "new")); var_dump($t); var_dump(array_splice($t, 2)); var_dump($t);
var_dump(array_search("c", ["a", "b", "c"]) + 1, array_keys(["a", "b"])[1] + 1, array_key_last(["a", "b", "c"]) + 1);
var_dump(array_slice([1, 2, 3, 4], 1, 2), array_slice([1, 2, 3, 4], -3, -1), array_merge([1, 2], [3], [5, "k" => 4]));
var_dump(range(1, 5), range(5, 1, 2), range(0.25, 1, 0.5), range("a", "e", 2), range("e", "a"), range("1", "3"), range(1, 2, -1), range(0.5, 2));
try { range(1, 5, 0); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
$n = [3, "10", 1, "2", 25, 9.5]; sort($n); var_dump($n); rsort($n); var_dump($n);
$w = ["banana", "apple", "Cherry", "apple10", "apple9"]; sort($w); var_dump($w); sort($w, SORT_STRING | SORT_FLAG_CASE); var_dump($w);
$u = [[3, "c"], [1, "a"], [2, "b"], [1, "z"]]; usort($u, fn($x, $y) => $x[0] <=> $y[0]); var_dump($u);
$r = range(1, 20); shuffle($r); var_dump(count($r), array_sum($r)); sort($r); var_dump($r == range(1, 20));
var_dump(array_values(array_filter([1, 0, 2, null, "0", "a"])), array_values(array_unique([1, "1", 2, 2.0, "a", "a"])));
var_dump(array_map(fn($x, $y) => $x . $y, ["a", "b"], ["c", "d"]), array_map(null, [1, 2], ["a", "b"]), array_fill(5, 2, "v"));
var_dump(array_reverse([1, 2, 3]), array_flip(["a", "b"])["b"] + 1, array_combine(["1st", "2nd"], ["one", "two"]), in_array("1e1", ["10"]));
