<?php
// t31_unix_at: a Unix path starting with "@" is a file of that name (PHP
// hands the bytes to the kernel as they are); a leading NUL is an abstract
// name for bind and connect, while socket_sendto reads its path as a C
// string, so "\0name" there is "" and fails with EINVAL. The file is made
// in the working directory (PHP's and sockrun's alike) and removed.
require __DIR__ . "/lib.php";
$path = "@sockrun_t31_" . getmypid();
echo "-- bind \"@name\" makes a file\n";
$s = socket_create(AF_UNIX, SOCK_STREAM, 0);
show("bind", socket_bind($s, $path));
show("file_exists", file_exists($path));
show("listen", socket_listen($s));
$c = socket_create(AF_UNIX, SOCK_STREAM, 0);
show("connect", socket_connect($c, $path));
$conn = socket_accept($s);
show("write", socket_write($c, "via @"));
show("read", socket_read($conn, 100));
socket_close($conn); socket_close($c); socket_close($s);
show("unlink", unlink($path));
echo "-- connect to a missing \"@name\" file\n";
$m = socket_create(AF_UNIX, SOCK_STREAM, 0);
show("connect", socket_connect($m, $path), socket_last_error($m));
echo "-- a datagram to \"@name\"\n";
$d = socket_create(AF_UNIX, SOCK_DGRAM, 0);
show("bind", socket_bind($d, $path));
$e = socket_create(AF_UNIX, SOCK_DGRAM, 0);
show("sendto", socket_sendto($e, "dgram", 5, 0, $path));
$n = socket_recvfrom($d, $buf, 100, 0, $from);
show("recvfrom", $n, $buf);
socket_close($d);
show("unlink", unlink($path));
echo "-- a leading NUL: abstract for bind and connect\n";
$abs = "\0sockrun_t31_" . getmypid();
$a = socket_create(AF_UNIX, SOCK_STREAM, 0);
show("bind", socket_bind($a, $abs));
show("no file", file_exists(substr($abs, 1)));
$ok = socket_getsockname($a, $name);
show("getsockname", $ok, $name);
show("listen", socket_listen($a));
$ac = socket_create(AF_UNIX, SOCK_STREAM, 0);
show("connect", socket_connect($ac, $abs));
echo "-- and \"\" for sendto\n";
$ad = socket_create(AF_UNIX, SOCK_DGRAM, 0);
show("bind", socket_bind($ad, $abs));
show("sendto", socket_sendto($e, "x", 1, 0, $abs), socket_last_error($e));
