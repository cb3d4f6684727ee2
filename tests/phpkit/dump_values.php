<?php // var_dump, print_r and var_export of scalars, binary strings and nested arrays
var_dump(null, true, false, 0, -7, 42, 1.5, -0.0, 0.1, 1/3, 1e100, 1.5e-7, 2**64, -2**64);
var_dump("", "a\0b\xff\n", "é");
var_dump([], ["a", "b"], ["x" => 1, "y" => [1, 2, [3, []]]], [5 => "five", 7 => "seven"]);
var_dump([-3 => "neg", 0 => "zero"], ["k" => ["n" => ["t" => true]]]);
print_r(null); print_r(true); print_r(false); print_r(3); print_r(-0.0); print_r(0.1); print_r(1/3); print_r("s\0t"); echo "\n";
print_r([]); print_r(["a", "b"]); print_r(["x" => 1, "y" => [1, 2, [3, []]]]);
print_r([5 => "five", "n" => ["m" => false, "t" => true, "f" => 2.5]]);
echo print_r(["r" => [1]], true), strlen(print_r("abc", true)), "\n";
var_export(null); var_export(true); var_export(false); var_export(3); var_export(-0.0); var_export(0.1); var_export(1e100); echo "\n";
var_export("it's a \\ back\0slash"); var_export("\0"); var_export(""); echo "\n";
var_export([]); var_export(["a", "b"]); var_export(["x" => 1, "y" => [1, 2, [3, []]]]); echo "\n";
var_export(["it's" => [7 => -1, "a\\b" => 2.5]]); echo "\n";
echo var_export([1, [2]], true), "\n";
var_dump(var_export(1, true), print_r(1, true), var_export(1.5, true));
var_dump(["a", "b", "x" => "c"]); print_r(["a", "x" => "c"]); var_export(["a", "x" => "c"]); echo "\n";
var_dump(123456789012345, 0.0001, 0.00001, 1.25e-300, -1e21, 0.30000000000000004, 9.5e18);
var_export(1e20); var_export(-1e19); var_export(1.0E-10); echo "\n";
