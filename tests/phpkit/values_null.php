<?php // nil where PHP wants a string or an int: PHP 8.1 deprecation, then "" or 0
var_dump(basename(null), dirname(null), json_decode(null), array_slice([1, 2], null));
var_dump(fwrite(STDOUT, null), extension_loaded(null), str_repeat("x", 0));
