<?php
// Parity twin of dns.lua. Every name here is answered by the test's DNS
// server (tests/dns_test.go): good.test A 127.0.0.42 and AAAA ::1,
// alias.test CNAME good.test, multi.test A 127.0.0.43 and 127.0.0.44,
// nx.test NXDOMAIN, fail.test SERVFAIL, PTR 127.0.0.42 -> good.test.
require __DIR__ . "/nslib.php";

section("gethostbyname");
foreach (["good.test", "alias.test", "multi.test", "nx.test", "fail.test", "localhost", "GOOD.test"] as $h) {
    show("gethostbyname " . quote($h), gethostbyname($h));
    showlist("gethostbynamel " . quote($h), gethostbynamel($h));
}
section("gethostbyaddr");
foreach (["127.0.0.42", "127.0.0.99", "127.0.0.1"] as $a) {
    show("gethostbyaddr " . quote($a), gethostbyaddr($a));
}
show("strerror", socket_strerror(-10001), socket_strerror(-10002));

section("connect and bind by name");
// A listener on 127.0.0.42, reached by name.
$srv = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("bind good.test", socket_bind($srv, "good.test", 0));
socket_getsockname($srv, $sa, $port);
show("bound to", $sa);
socket_listen($srv, 5);
$c = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
show("connect good.test", socket_connect($c, "good.test", $port));
socket_getpeername($c, $pa, $pp);
show("peer", $pa, $pp === $port);
$acc = socket_accept($srv);
socket_getpeername($acc, $aa);
show("accepted from", $aa);
show("connect alias.test", socket_connect(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "alias.test", $port));

foreach (["nx.test", "fail.test"] as $h) {
    section("failures: " . $h);
    $s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    socket_clear_error();
    show("connect " . $h, socket_connect($s, $h, $port), socket_last_error($s), socket_last_error());
    show("  strerror", socket_strerror(socket_last_error($s)));
    $s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    show("bind " . $h, socket_bind($s, $h, 0), socket_last_error($s));
    $u = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
    show("sendto " . $h, socket_sendto($u, "x", 1, 0, $h, 9), socket_last_error($u));
}

section("sendto by name");
// UDP by name.
$u = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
socket_bind($u, "127.0.0.42", 0);
socket_getsockname($u, $ua, $up);
$v = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP);
show("sendto good.test", socket_sendto($v, "ping", 4, 0, "good.test", $up));
$n = socket_recvfrom($u, $buf, 100, 0, $from, $fport);
show("recvfrom", $n, $buf, $from);

$cases = [
    ["good.test", "80", ["ai_family" => AF_INET, "ai_socktype" => SOCK_STREAM]],
    ["good.test", "80", ["ai_family" => AF_INET6, "ai_socktype" => SOCK_STREAM]],
    ["good.test", null, ["ai_socktype" => SOCK_DGRAM]],
    ["multi.test", "7", ["ai_socktype" => SOCK_STREAM]],
    ["alias.test", "80", ["ai_family" => AF_INET, "ai_socktype" => SOCK_STREAM, "ai_flags" => AI_CANONNAME]],
    ["good.test", "80", ["ai_family" => AF_INET, "ai_socktype" => SOCK_STREAM, "ai_flags" => AI_CANONNAME]],
    ["good.test", "80", ["ai_flags" => AI_NUMERICHOST]],
    ["nx.test", "80", []],
    ["fail.test", "80", []],
];
foreach ($cases as $i => [$host, $service, $hints]) {
    section("lookup " . ($i + 1));
    explain_all("lookup " . ($i + 1) . " " . render($host) . " " . render($service) . " " . render($hints),
        socket_addrinfo_lookup($host, $service, $hints));
}
section("socket_addrinfo_connect by name");
$ai = socket_addrinfo_lookup("good.test", (string)$port, ["ai_family" => AF_INET, "ai_socktype" => SOCK_STREAM]);
$c2 = socket_addrinfo_connect($ai[0]);
socket_getpeername($c2, $pa);
show("addrinfo_connect good.test", $c2, $pa);
