<?php
// t02_normalread: PHP_NORMAL_READ stops after "\n" or "\r" (kept), or at
// the length; blocking NORMAL_READ at EOF is false with 104 and loses a
// partial line; binary reads at EOF give "".
require __DIR__ . '/lib.php';
[$srv, $cli, $conn] = pair();

socket_write($cli, "line1\nline2\r\nline3\rline4\n\n");
for ($i = 0; $i < 6; $i++) {
    show("read#$i", socket_read($conn, 1024, PHP_NORMAL_READ));
}
echo "-- length smaller than the line\n";
socket_write($cli, "0123456789\n");
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
echo "-- length exactly the line with its newline\n";
socket_write($cli, "abc\nxyz\n");
show("len 4", socket_read($conn, 4, PHP_NORMAL_READ));
show("len 3", socket_read($conn, 3, PHP_NORMAL_READ));
show("len 3", socket_read($conn, 3, PHP_NORMAL_READ));
echo "-- length 1\n";
socket_write($cli, "ab");
show("len 1", socket_read($conn, 1, PHP_NORMAL_READ));
show("len 1", socket_read($conn, 1, PHP_NORMAL_READ));
echo "-- the rest of a binary read is not lost for a later NORMAL_READ\n";
socket_write($cli, "bin\nline\n");
waitbytes($conn, 9);
show("binary 2", socket_read($conn, 2, PHP_BINARY_READ));
show("normal", socket_read($conn, 100, PHP_NORMAL_READ));
show("normal", socket_read($conn, 100, PHP_NORMAL_READ));
echo "-- NORMAL_READ takes only its line: the rest stays in the socket\n";
socket_write($cli, "one\ntwo\n");
waitbytes($conn, 8);
show("normal", socket_read($conn, 100, PHP_NORMAL_READ));
$r = [$conn]; $w = null; $e = null;
show("select readable", socket_select($r, $w, $e, 0));
$n = socket_recv($conn, $buf, 100, MSG_DONTWAIT);
show("recv", $n, $buf);
echo "-- partial line then EOF\n";
socket_write($cli, "tail-no-newline");
socket_close($cli);
show("normal", socket_read($conn, 1024, PHP_NORMAL_READ));
show("last_error", socket_last_error($conn));
show("normal again", socket_read($conn, 1024, PHP_NORMAL_READ));
show("binary", socket_read($conn, 1024, PHP_BINARY_READ));
show("default mode", socket_read($conn, 1024));
