<?php
// t28_extra: a failed socket_create records its errno globally; a blocking
// write (and send) of 20 MiB to a peer that reads concurrently sends all of
// it in one call; float and null arguments PHP coerces (with deprecations,
// which are not compared).
require __DIR__ . '/lib.php';
echo "-- socket_create failure sets the global error\n";
socket_clear_error();
show("create", socket_create(AF_INET, SOCK_DGRAM, SOL_TCP), socket_last_error());
echo "-- a blocking write of 20 MiB to a reading peer returns the full count\n";
$data = str_repeat("x", 20 * 1024 * 1024);
$c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect to the sink", socket_connect($c, "127.0.0.1", $SINK));
show("write", socket_write($c, $data));
show("send", socket_send($c, $data, strlen($data), 0));
show("shutdown", socket_shutdown($c, 1));
show("sink got", socket_read($c, 100, PHP_NORMAL_READ));
echo "-- float and nil arguments\n";
[$srv, $cli, $conn] = pair();
$r = [1 => $cli];
$w = null;
$e = null;
show("select 0.5", socket_select($r, $w, $e, 0.5));
show("write nil", socket_write($cli, null));
socket_write($conn, "abc");
waitbytes($cli, 3);
show("read length 2.0", socket_read($cli, 2.0, PHP_BINARY_READ));
