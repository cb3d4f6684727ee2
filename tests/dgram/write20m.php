<?php
// write20m: the PHP twin of write20m.lua.
require __DIR__ . '/lib.php';

$block = "";
$x = 1;
for ($i = 1; $i <= 8191; $i++) {
    $x = (75 * $x + 74) % 65537;
    $block .= chr($x % 256);
}
$total = 20 * 1024 * 1024;
$data = substr(str_repeat($block, intdiv($total + 8190, 8191)), 0, $total);
$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect", socket_connect($s, "127.0.0.1", (int)$argv[1]));
show("write", socket_write($s, $data));
socket_close($s);
