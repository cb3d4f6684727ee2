<?php // var_export and print_r of arrays that hold themselves
$a = [1]; $a[] = &$a; var_export($a); echo "\n"; var_dump(json_encode($a), json_last_error());
$o = json_decode("{\"k\":1}"); $o->self = $o; var_export($o); echo "\n"; var_dump(var_export([1], true));
