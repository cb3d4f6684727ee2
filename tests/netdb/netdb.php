<?php
// Parity twin of netdb.lua: getprotobyname, gethostbyaddr, gethostbyname(l)
// and the socket_addrinfo_* family on loopback. Run inside a network
// namespace with only lo up, so no lookup leaves the machine.
require __DIR__ . "/nslib.php";

section("getprotobyname");
foreach (["tcp", "udp", "icmp", "ipv6-icmp", "ip", "TCP", "IPv6-ICMP", "nope", ""] as $p) {
    show("getprotobyname " . quote($p), getprotobyname($p));
}

section("gethostbyaddr");
foreach (["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2", "bogus", "", "127.1", "1.2.3.4.5"] as $a) {
    show("gethostbyaddr " . quote($a), gethostbyaddr($a));
}

section("gethostbyname");
foreach (["localhost", "127.0.0.1", "127.1", "0x7f.1", "0x7f000001", "127.0.0.1 x", "::1", "", "no-such-host.invalid"] as $h) {
    show("gethostbyname " . quote($h), gethostbyname($h));
    showlist("gethostbynamel " . quote($h), gethostbynamel($h));
}
show("gethostbyname long", gethostbyname(str_repeat("a", 256)) === str_repeat("a", 256));
show("gethostbynamel long", gethostbynamel(str_repeat("a", 256)));

$cases = [
    ["127.0.0.1", null, []],
    ["127.0.0.1", "80", []],
    ["127.0.0.1", "http", []],
    ["127.0.0.1", "http", ["ai_socktype" => SOCK_DGRAM]],
    ["127.0.0.1", "domain", []],
    ["127.0.0.1", "0", []],
    ["127.0.0.1", "65535", []],
    ["127.0.0.1", "65536", []],
    ["127.0.0.1", "-1", []],
    ["127.0.0.1", "nosuchservice", []],
    ["127.0.0.1", "", []],
    ["localhost", null, []],
    ["localhost", "80", ["ai_family" => AF_INET]],
    ["localhost", "80", ["ai_family" => AF_INET6]],
    ["::1", "80", []],
    ["::1", null, ["ai_family" => AF_INET]],
    ["::1", "443", ["ai_family" => AF_INET6, "ai_socktype" => SOCK_STREAM]],
    ["127.0.0.1", "80", ["ai_family" => AF_INET6]],
    ["127.0.0.1", "80", ["ai_family" => AF_INET6, "ai_flags" => AI_V4MAPPED]],
    ["localhost", "80", ["ai_flags" => AI_NUMERICHOST]],
    ["127.0.0.1", "80", ["ai_flags" => AI_NUMERICHOST]],
    ["::1", "80", ["ai_flags" => AI_NUMERICHOST, "ai_socktype" => SOCK_DGRAM]],
    ["localhost", "80", ["ai_flags" => AI_CANONNAME]],
    ["127.0.0.1", null, ["ai_flags" => AI_CANONNAME, "ai_socktype" => SOCK_STREAM]],
    ["127.0.0.1", "http", ["ai_flags" => AI_NUMERICSERV]],
    ["127.0.0.1", "80", ["ai_flags" => AI_NUMERICSERV | AI_NUMERICHOST]],
    ["127.1", "80", []],
    ["127.0.0.1", "80", ["ai_socktype" => SOCK_STREAM]],
    ["127.0.0.1", "80", ["ai_protocol" => SOL_UDP]],
    ["127.0.0.1", "80", ["ai_protocol" => SOL_TCP, "ai_socktype" => SOCK_STREAM]],
    ["127.0.0.1", "80", ["ai_socktype" => SOCK_STREAM, "ai_protocol" => SOL_UDP]],
    ["127.0.0.1", null, ["ai_socktype" => SOCK_RAW]],
    ["127.0.0.1", "80", ["ai_socktype" => SOCK_RAW]],
    ["0.0.0.0", "8080", ["ai_flags" => AI_PASSIVE, "ai_socktype" => SOCK_STREAM]],
    ["", "80", []],
    ["no-such-host.invalid", "80", []],
    ["127.0.0.1", "80", ["ai_family" => "2", "ai_socktype" => "1"]],
];
foreach ($cases as $i => [$host, $service, $hints]) {
    section("lookup " . ($i + 1));
    explain_all("lookup " . ($i + 1) . " " . render($host) . " " . render($service) . " " . render($hints),
        socket_addrinfo_lookup($host, $service, $hints));
}

section("misuse");
attempt("bad hint key", fn() => socket_addrinfo_lookup("127.0.0.1", "80", ["ai_family" => AF_INET, "family" => 2]));
attempt("hints not array", fn() => socket_addrinfo_lookup("127.0.0.1", "80", 5));
attempt("no args", fn() => socket_addrinfo_lookup());
attempt("explain number", fn() => socket_addrinfo_explain(5));
attempt("explain nil", fn() => socket_addrinfo_explain(null));
attempt("connect string", fn() => socket_addrinfo_connect("127.0.0.1"));
attempt("bind table", fn() => socket_addrinfo_bind([]));
attempt("explain socket", fn() => socket_addrinfo_explain(socket_create(AF_INET, SOCK_STREAM, SOL_TCP)));
attempt("getprotobyname no args", fn() => getprotobyname());
attempt("gethostbyaddr no args", fn() => gethostbyaddr());

section("socket_addrinfo_connect");
// socket_addrinfo_connect to a listening socket, and to a closed port.
$srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_bind($srv, "127.0.0.1", 0);
socket_getsockname($srv, $a, $port);
socket_listen($srv);
$ai = socket_addrinfo_lookup("127.0.0.1", (string)$port, ["ai_socktype" => SOCK_STREAM]);
$c = socket_addrinfo_connect($ai[0]);
show("connect", $c);
socket_getpeername($c, $pa, $pp);
show("connect peer", $pa, $pp === $port);
$acc = socket_accept($srv);
show("connect write", socket_write($c, "hi"));
show("connect read", socket_read($acc, 10));
show("connect option type", socket_get_option($c, SOL_SOCKET, SO_TYPE));
socket_close($c);
socket_close($acc);

$ai6 = socket_addrinfo_lookup("::1", (string)$port, ["ai_socktype" => SOCK_STREAM]);
$closed = socket_addrinfo_connect($ai6[0]);
show("connect v6 closed", $closed, socket_last_error());
socket_clear_error();
socket_close($srv);
$ai = socket_addrinfo_lookup("127.0.0.1", (string)$port, ["ai_socktype" => SOCK_STREAM]);
show("connect closed", socket_addrinfo_connect($ai[0]), socket_last_error(), socket_strerror(socket_last_error()));

section("raw entries");
$raw = socket_addrinfo_lookup("127.0.0.1", null, ["ai_socktype" => SOCK_RAW]);
show("connect raw proto 0", socket_addrinfo_connect($raw[0]), socket_last_error());
show("bind raw proto 0", socket_addrinfo_bind($raw[0]), socket_last_error());

section("socket_addrinfo_bind");
// socket_addrinfo_bind: UDP port 0, then talk to it.
$ai = socket_addrinfo_lookup("127.0.0.1", "0", ["ai_socktype" => SOCK_DGRAM]);
$u = socket_addrinfo_bind($ai[0]);
show("bind udp", $u);
socket_getsockname($u, $ua, $up);
show("bind udp name", $ua, $up > 0);
show("bind udp type", socket_get_option($u, SOL_SOCKET, SO_TYPE));
$sender = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
show("sendto", socket_sendto($sender, "ping", 4, 0, "127.0.0.1", $up));
$n = socket_recvfrom($u, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from);

$ai = socket_addrinfo_lookup("::1", "0", ["ai_socktype" => SOCK_STREAM]);
$b6 = socket_addrinfo_bind($ai[0]);
socket_getsockname($b6, $ba, $bp);
show("bind v6", $b6, $ba, $bp > 0);
show("bind v6 listen", socket_listen($b6));
$ai = socket_addrinfo_lookup("::1", (string)$bp, ["ai_socktype" => SOCK_STREAM]);
show("bind in use", socket_addrinfo_bind($ai[0]), socket_last_error());
$ai = socket_addrinfo_lookup("127.0.0.1", "0", ["ai_socktype" => SOCK_STREAM, "ai_flags" => AI_PASSIVE]);
$b = socket_addrinfo_bind($ai[0]);
show("bind passive listen", socket_listen($b), socket_get_option($b, SOL_SOCKET, SO_REUSEADDR));
