<?php
// 11_select_server.php: parity reference for examples/11_select_server.lua (up to 10 clients at once with socket_select).
// Run: php 11_select_server.php [ADDRESS [PORT]]   (default 0.0.0.0 5000, the tutorial's)
error_reporting(~E_NOTICE);
set_time_limit (0);

$address = $argv[1] ?? "0.0.0.0";
$port = $argv[2] ?? 5000;
$max_clients = 10;

if(!($sock = socket_create(AF_INET, SOCK_STREAM, 0)))
{
    $errorcode = socket_last_error();
    $errormsg = socket_strerror($errorcode);

    die("Couldn't create socket: [$errorcode] $errormsg \n");
}

echo "Socket created \n";

// Bind the source address (the tutorial passes a hard-coded 5000 here instead of $port)
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

//array of client sockets
$client_socks = array();

//array of sockets to read
$read = array();

//start loop to listen for incoming connections and process existing connections
while (true)
{
    //prepare array of readable client sockets
    $read = array();

    //first socket is the master socket
    $read[0] = $sock;

    //now add the existing client sockets
    for ($i = 0; $i < $max_clients; $i++)
    {
        if(isset($client_socks[$i]))
        {
            $read[$i+1] = $client_socks[$i];
        }
    }

    //now call select - blocking call (the tutorial passes undefined $write and $except)
    $write = null;
    $except = null;
    if(socket_select($read , $write , $except , null) === false)
    {
        $errorcode = socket_last_error();
        $errormsg = socket_strerror($errorcode);

        die("Could not listen on socket : [$errorcode] $errormsg \n");
    }

    //if ready contains the master socket, then a new connection has come in
    if (in_array($sock, $read))
    {
        $accepted = false;
        for ($i = 0; $i < $max_clients; $i++)
        {
            if (!isset($client_socks[$i]))
            {
                $client_socks[$i] = socket_accept($sock);

                //display information about the client who is connected
                if(socket_getpeername($client_socks[$i], $address, $port))
                {
                    echo "Client $address : $port is now connected to us. \n";
                }

                //Send Welcome message to client
                $message = "Welcome to php socket server version 1.0 \n";
                $message .= "Enter a message and press enter, and i shall reply back \n";
                socket_write($client_socks[$i] , $message);
                $accepted = true;
                break;
            }
        }

        // Fix: with every slot taken the tutorial leaves the connection pending,
        // so the listener stays readable and select returns at once, forever (a
        // busy loop). Accept it and close it: the client sees the connection end.
        if (!$accepted)
        {
            $rejected = socket_accept($sock);
            if ($rejected)
            {
                socket_close($rejected);
            }
        }
    }

    //check each client if they send any data
    for ($i = 0; $i < $max_clients; $i++)
    {
        if (isset($client_socks[$i]) && in_array($client_socks[$i] , $read))
        {
            $input = socket_read($client_socks[$i] , 1024);

            if ($input == null)
            {
                //zero length string meaning disconnected, remove and close the socket
                // Fix: the tutorial unsets the slot first and then closes it (a null),
                // and goes on to write "OK ..." to the client that left.
                socket_close($client_socks[$i]);
                unset($client_socks[$i]);
            }
            else
            {
                // (the tutorial's unused $n = trim($input); is left out)
                $output = "OK ... $input";

                echo "Sending output to client \n";

                //send response to client
                socket_write($client_socks[$i] , $output);
            }
        }
    }
}
