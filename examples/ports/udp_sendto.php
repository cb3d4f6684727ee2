<?php
// From the PHP Manual, socket_sendto, Example #1 "socket_sendto() example":
// https://www.php.net/manual/en/function.socket-sendto.php
// Copyright (c) the PHP Documentation Group, licensed under CC BY 3.0
// (https://creativecommons.org/licenses/by/3.0/). Unchanged but for this
// comment; examples/ports/udp_sendto.lua is its port to sockrun.
    $sock = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);

    $msg = "Ping !";
    $len = strlen($msg);

    socket_sendto($sock, $msg, $len, 0, '127.0.0.1', 1223);
    socket_close($sock);
?>
