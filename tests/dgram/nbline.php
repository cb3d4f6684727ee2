<?php
// nbline: the PHP twin of nbline.lua (PHP busy-spins in these reads).
require __DIR__ . '/lib.php';

$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect", socket_connect($s, "127.0.0.1", (int)$argv[1]));
show("set_nonblock", socket_set_nonblock($s));
$t0 = now();
show("normal read", socket_read($s, 100, PHP_NORMAL_READ));
show("waited for the rest of the line", now() - $t0 >= 0.25);
show("normal read", socket_read($s, 100, PHP_NORMAL_READ));
show("normal read at EOF", socket_read($s, 100, PHP_NORMAL_READ));
show("last_error", socket_last_error($s));
