<?php
// 02_connect.php: parity reference for examples/02_connect.lua (create, then connect to a server).
// Run: php 02_connect.php [ADDRESS [PORT]]   (default 74.125.235.20 80, the tutorial's)
$address = $argv[1] ?? '74.125.235.20';
$port = $argv[2] ?? 80;

if(!($sock = socket_create(AF_INET, SOCK_STREAM, 0)))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Couldn't create socket: [$errorcode] $errormsg \n");
}

echo "Socket created \n";

if(!socket_connect($sock , $address , $port))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Could not connect: [$errorcode] $errormsg \n");
}

echo "Connection established \n";
