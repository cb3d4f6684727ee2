<?php
// 01_create.php: parity reference for examples/01_create.lua (socket_create + error handling).
// Run: php 01_create.php
if(!($sock = socket_create(AF_INET, SOCK_STREAM, 0)))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Couldn't create socket: [$errorcode] $errormsg \n");
}

echo "Socket created";
