<?php
// 06_gethostbyname.php: parity reference for examples/06_gethostbyname.lua (a host name's IPv4 address).
// Run: php 06_gethostbyname.php [HOSTNAME]   (default www.google.com, the tutorial's)
$hostname = $argv[1] ?? "www.google.com";

$ip_address = gethostbyname($hostname);

// = 173.194.75.104 in the tutorial; a name that does not resolve comes back unchanged
echo $ip_address . "\n";
