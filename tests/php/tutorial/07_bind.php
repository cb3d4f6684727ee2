<?php
// 07_bind.php: parity reference for examples/07_bind.lua (bind a socket to an address and port).
// Run: php 07_bind.php [ADDRESS [PORT]]   (default 127.0.0.1 5000, the tutorial's)
$address = $argv[1] ?? "127.0.0.1";
$port = $argv[2] ?? 5000;

if(!($sock = socket_create(AF_INET, SOCK_STREAM, 0)))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Couldn't create socket: [$errorcode] $errormsg \n");
}

echo "Socket created \n";

// Bind the source address
if( !socket_bind($sock, $address , $port) )
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Could not bind socket : [$errorcode] $errormsg \n");
}

echo "Socket bind OK \n";
