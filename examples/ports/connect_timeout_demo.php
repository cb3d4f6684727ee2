<?php
// The usage example in connect_timeout.php's comment (Brian Moon, BSD 3-clause), as a program:
// the comment's lines, uncommented, after a require of the function.
require __DIR__ . "/connect_timeout.php";

$timeout = 100;

$hosts = array(
    array(
        "desc" => "Good host",
        "host" => "127.0.0.1",
        "port" => "4730"
    ),
    array(
        "desc" => "Routable, but not up",
        "host" => "10.1.2.30",
        "port" => "4730"
    ),
    array(
        "desc" => "Up but not listening",
        "host" => "127.0.0.1",
        "port" => "7676"
    ),
);

foreach($hosts as $host){

    echo "Trying: $host[desc]...\n";

    try{
        $socket = socket_connect_timeout($host["host"], $host["port"], $timeout);
    } catch(Exception $e){
        echo $e->getMessage()."\n";
        $socket = null;
    }

    var_dump($socket);

    echo "\n";

}
