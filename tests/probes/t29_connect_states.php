<?php
// t29_connect_states: a refused blocking connect leaves the socket
// unconnected (reads fail with ENOTCONN, a second connect succeeds); a
// blocking connect that SO_SNDTIMEO cuts short says EINPROGRESS, and one made
// while it is still in progress waits SO_SNDTIMEO again and says EALREADY.
require __DIR__ . '/lib.php';

$refused = closedport();
$s = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "s");
show("connect refused", socket_connect($s, "127.0.0.1", $refused), socket_last_error($s));
show("read after refusal", socket_read($s, 10), socket_last_error($s));
[$srv, $_c, $_a, $port] = pair();
show("connect again", socket_connect($s, "127.0.0.1", $port));
show("connect once more", socket_connect($s, "127.0.0.1", $port), socket_last_error($s));
socket_clear_error($s);

// A listener with a full backlog drops SYNs: connects stay in progress.
$full = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "full");
socket_bind($full, "127.0.0.1", 0);
socket_listen($full, 0);
socket_getsockname($full, $fa, $fport);
$fill = [];
for ($i = 0; $i < 8; $i++) {
    $fill[$i] = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_set_nonblock($fill[$i]);
    @socket_connect($fill[$i], "127.0.0.1", $fport);
}
$c = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "c");
socket_set_option($c, SOL_SOCKET, SO_SNDTIMEO, ["sec" => 0, "usec" => 200000]);
$t = now();
show("connect cut short", socket_connect($c, "127.0.0.1", $fport), socket_last_error($c));
show("waited SO_SNDTIMEO", now() - $t >= 0.15);
$t = now();
show("connect in progress", socket_connect($c, "127.0.0.1", $fport), socket_last_error($c));
show("waited SO_SNDTIMEO again", now() - $t >= 0.15);
