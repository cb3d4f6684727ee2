<?php
// t30_pair_type: socket_create_pair's checks: PHP 8.2 raises a ValueError
// for a type above 10 (php-src's socket_create_pair-wrongparams.phpt) and
// for an unknown domain, and hands smaller unknown types to the OS.
require __DIR__ . "/lib.php";
attempt("AF_INET, 31337", function () { return vals(socket_create_pair(AF_INET, 31337, 0, $p)); });
attempt("AF_UNIX, 11", function () { return vals(socket_create_pair(AF_UNIX, 11, 0, $p)); });
attempt("domain 99", function () { return vals(socket_create_pair(99, 31337, 0, $p)); });
attempt("AF_UNIX, 6", function () { return vals(socket_create_pair(AF_UNIX, 6, 0, $p)); });
attempt("AF_UNIX, -1", function () { return vals(socket_create_pair(AF_UNIX, -1, 0, $p)); });
show("last_error", socket_last_error());
$ok = socket_create_pair(AF_UNIX, SOCK_STREAM, 0, $p);
show("AF_UNIX, SOCK_STREAM", $ok, count($p));
show("write", socket_write($p[0], "ping"));
show("read", socket_read($p[1], 10));
