<?php
// 09_reply.php: parity reference for examples/09_reply.lua (accept one client, read, answer "OK .. ").
// Run: php 09_reply.php [ADDRESS [PORT]]   (default 127.0.0.1 5000, the tutorial's)
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

if(!socket_listen ($sock , 10))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Could not listen on socket : [$errorcode] $errormsg \n");
}

echo "Socket listen OK \n";

echo "Waiting for incoming connections... \n";

//Accept incoming connection - This is a blocking call
$client = socket_accept($sock);

//display information about the client who is connected
if(socket_getpeername($client , $address , $port))
{
    echo "Client $address : $port is now connected to us. \n";
}

//read data from the incoming socket
$input = socket_read($client, 1024000);

$response = "OK .. $input";

// Display output back to client
socket_write($client, $response);
socket_close($client);
