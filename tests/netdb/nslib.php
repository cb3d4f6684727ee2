<?php
// Helpers for the PHP half of the tests/netdb parity twins, over the
// canonical printer of every parity twin (tests/lib/show.php, where the
// output convention is described); nslib.lua is the Lua half.

require __DIR__ . '/../lib/show.php';

// explain_all renders every AddressInfo of a lookup result, in order.
function explain_all($label, $r) {
    if (!is_array($r)) {
        show($label, $r);
        return;
    }
    echo $label, ": ", count($r), " result(s)\n";
    foreach ($r as $i => $ai) {
        show("  [" . ($i + 1) . "]", socket_addrinfo_explain($ai));
    }
}
