-- nil where PHP wants a string or an int: PHP 8.1 deprecation, then "" or 0
var_dump(basename(nil), dirname(nil), json_decode(nil), array_slice({1, 2}, nil))
var_dump(fwrite(STDOUT, nil), extension_loaded(nil), "")
