<?php
// t26_hostlong: host names longer than 255 characters are refused before
// any lookup (gethostbyname returns the input, gethostbynamel false, both
// with a warning; connect/bind fail with "Host lookup failed"); names from
// /etc/hosts and inet_aton forms resolve. Then a real connection by name.
require __DIR__ . '/lib.php';
$long = str_repeat("a", 256);
echo "-- connect/bind to a 256-character name (before any other lookup: h_errno is 0)\n";
$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect", socket_connect($s, $long, closedport()));
show("last_error", socket_last_error($s));
show("bind", socket_bind($s, $long, 0));
echo "-- gethostbyname(l)\n";
show("gethostbyname(256 chars) unchanged", gethostbyname($long) === $long);
show("gethostbynamel(256 chars)", gethostbynamel($long));
show("gethostbyname(300 chars) unchanged", gethostbyname(str_repeat("b", 300)) === str_repeat("b", 300));
show("gethostbyname LOCALHOST", gethostbyname("LOCALHOST"));
show("gethostbyname 127.1", gethostbyname("127.1"));
show("gethostbyname 127.0.1", gethostbyname("127.0.1"));
showlist("gethostbynamel localhost", gethostbynamel("localhost"));
echo "-- connect by name, listener bound by name\n";
$l = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("bind localhost", socket_bind($l, "localhost", 0));
socket_listen($l);
$ok = socket_getsockname($l, $la, $lp);
show("bound to", $ok, $la);
$c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect LOCALHOST", socket_connect($c, "LOCALHOST", $lp));
$k = socket_accept($l);
socket_write($c, "by name");
show("read", socket_read($k, 100));
