<?php
// waitall: the PHP twin of waitall.lua.
require __DIR__ . '/lib.php';

$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect", socket_connect($s, "127.0.0.1", (int)$argv[1]));
$t0 = now();
$n = socket_recv($s, $buf, 6, MSG_WAITALL);
show("recv WAITALL 6", $n, $buf);
show("waited for the second write", now() - $t0 >= 0.25);
$n = socket_recv($s, $buf, 10, MSG_WAITALL);
show("recv WAITALL 10", $n, $buf);
$n = socket_recv($s, $buf, 10, MSG_WAITALL);
show("recv WAITALL at EOF", $n, $buf);
