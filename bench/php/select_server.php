<?php
// select_server.php: the PHP socket tutorial's select() server, bug-fixed, as
// the PHP baseline of the sockrun benchmark (go run ./bench). It mirrors
// scripts/server.lua line for line so the two compare like for like.
// Usage: php bench/php/select_server.php [ADDRESS [PORT]]   (default 127.0.0.1 5000; PORT 0 picks one)
//
// Fixes over the tutorial: a client that leaves, resets or stops reading is
// closed and forgotten (the tutorial kept writing to it), there is no client
// cap (the tutorial had 10 slots and busy-looped when they were full), the
// listener is nonblocking, and replies are per line ("OK ... <line>"), a line
// longer than 64 KiB answered in 64 KiB pieces, from socket_read(65536) on
// nonblocking client sockets, with a per-client output queue written when
// select says the client can take it.
//
// What is not fixed, because it is PHP's: socket_select() is select(2), so a
// descriptor numbered FD_SETSIZE (1024) or higher is never watched; PHP warns
// "You MUST recompile PHP with a larger value of FD_SETSIZE" and such clients
// are never served.

error_reporting(E_ALL);
set_time_limit(0);

$address = $argv[1] ?? "127.0.0.1";
$port = $argv[2] ?? "5000";
if (!is_numeric($port) || $address === "-h" || $address === "--help") {
    fwrite(STDERR, "usage: php select_server.php [ADDRESS [PORT]]\n");
    exit(2);
}
$port = (int)$port;

const MAX_LINE = 65536;       // a longer line is answered in pieces of this size
const MAX_PENDING = 1048576;  // a client that lets this much output pile up is dropped

function fail(string $what, $sock = null): void
{
    $code = $sock ? socket_last_error($sock) : socket_last_error();
    fwrite(STDERR, "$what: [$code] " . socket_strerror($code) . " \n");
    exit(1);
}

$domain = str_contains($address, ":") ? AF_INET6 : AF_INET;
$sock = socket_create($domain, SOCK_STREAM, 0);
if ($sock === false) {
    fail("Couldn't create socket");
}
echo "Socket created \n";

// Restarting the server must not wait for old connections in TIME_WAIT.
socket_set_option($sock, SOL_SOCKET, SO_REUSEADDR, 1);
if (!socket_bind($sock, $address, $port)) {
    fail("Could not bind socket", $sock);
}
echo "Socket bind OK \n";

if (!socket_listen($sock, SOMAXCONN)) {
    fail("Could not listen on socket", $sock);
}
echo "Socket listen OK \n";
socket_getsockname($sock, $bound_address, $bound_port);
echo "Listening on $bound_address:$bound_port\n";
echo "Waiting for incoming connections... \n";

// A nonblocking listener: a connection that is reset before we accept it
// must not leave us blocked in socket_accept.
socket_set_nonblock($sock);

const WELCOME = "Welcome to php socket server version 1.0 \n" .
                "Enter a message and press enter, and i shall reply back \n";

// spl_object_id(socket) => ['sock' => Socket, 'name' => "addr : port", 'input' => '', 'output' => '']
$clients = [];

function drop(int $id, string $why): void
{
    global $clients;
    $client = $clients[$id];
    unset($clients[$id]);
    socket_close($client['sock']);
    echo "Client ", $client['name'], " disconnected (", $why, "). \n";
}

// queue adds a reply; it is written when the client can take it, so a client
// that does not read never blocks the others.
function queue(int $id, string $data): void
{
    global $clients;
    $clients[$id]['output'] .= $data;
    if (strlen($clients[$id]['output']) > MAX_PENDING) {
        drop($id, "not reading its replies");
    }
}

function accept_client(): void
{
    global $sock, $clients;
    $c = @socket_accept($sock);
    if ($c === false) {
        return; // the connection went away before we got to it
    }
    socket_getpeername($c, $addr, $p);
    $name = "$addr : $p";
    socket_set_nonblock($c);
    $id = spl_object_id($c);
    $clients[$id] = ['sock' => $c, 'name' => $name, 'input' => '', 'output' => ''];
    echo "Client ", $name, " is now connected to us. \n";
    queue($id, WELCOME);
}

function read_client(int $id): void
{
    global $clients;
    $c = $clients[$id]['sock'];
    $input = @socket_read($c, 65536);
    if ($input === false) {
        $code = socket_last_error($c);
        if ($code === SOCKET_EAGAIN) {
            return;
        }
        drop($id, socket_strerror($code));
        return;
    } elseif ($input === "") {
        drop($id, "closed by client");
        return;
    }
    $buffered = $clients[$id]['input'] . $input;
    $len = strlen($buffered);
    // Answer every complete line; keep a partial one for the next read. A line
    // longer than MAX_LINE is answered in MAX_LINE pieces (each followed by
    // "\n"), decided on the first MAX_LINE + 1 bytes.
    $start = 0;
    while (isset($clients[$id])) {
        $nl = strpos($buffered, "\n", $start);
        if ($nl !== false && $nl - $start <= MAX_LINE) {
            queue($id, "OK ... " . substr($buffered, $start, $nl - $start + 1));
            $start = $nl + 1;
        } elseif ($len - $start > MAX_LINE) {
            queue($id, "OK ... " . substr($buffered, $start, MAX_LINE) . "\n");
            $start += MAX_LINE;
        } else {
            break;
        }
    }
    if (isset($clients[$id])) {
        $clients[$id]['input'] = (string)substr($buffered, $start);
    }
}

function write_client(int $id): void
{
    global $clients;
    $c = $clients[$id]['sock'];
    $n = @socket_write($c, $clients[$id]['output']);
    if ($n === false) {
        $code = socket_last_error($c);
        if ($code === SOCKET_EAGAIN) {
            return;
        }
        drop($id, socket_strerror($code));
        return;
    }
    $clients[$id]['output'] = (string)substr($clients[$id]['output'], $n);
}

while (true) {
    $read = ['listener' => $sock];
    $write = [];
    foreach ($clients as $id => $client) {
        $read[$id] = $client['sock'];
        if ($client['output'] !== '') {
            $write[$id] = $client['sock'];
        }
    }
    $except = null;

    socket_clear_error(); // so that a failure below reports its own error, not an old one
    if (socket_select($read, $write, $except, null) === false) {
        fail("Could not select");
    }

    foreach ($write as $id => $c) {
        if (isset($clients[$id])) {
            write_client($id);
        }
    }
    foreach ($read as $id => $c) {
        if ($id === 'listener') {
            accept_client();
        } elseif (isset($clients[$id])) {
            read_client($id);
            // Answer at once; what the client cannot take now waits for select.
            if (isset($clients[$id]) && $clients[$id]['output'] !== '') {
                write_client($id);
            }
        }
    }
}
