<?php
// From the PHP Manual, socket_recvfrom, Example #1 "socket_recvfrom()
// example": https://www.php.net/manual/en/function.socket-recvfrom.php
// Copyright (c) the PHP Documentation Group, licensed under CC BY 3.0
// (https://creativecommons.org/licenses/by/3.0/). Unchanged but for this
// comment; examples/ports/udp_recvfrom.lua is its port to sockrun.

$socket = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
socket_bind($socket, '127.0.0.1', 1223);

$from = '';
$port = 0;
socket_recvfrom($socket, $buf, 12, 0, $from, $port);

echo "Received $buf from remote address $from and remote port $port" . PHP_EOL;
?>
