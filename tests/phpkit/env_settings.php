<?php // error_reporting filters socket warnings; settings, constants, extensions, services
$srv = socket_create(AF_INET, SOCK_STREAM, 0); socket_bind($srv, "127.0.0.1", 0); socket_getsockname($srv, $addr, $port);
var_dump(error_reporting()); $c = socket_create(AF_INET, SOCK_STREAM, 0); var_dump(socket_connect($c, "127.0.0.1", $port));
var_dump(error_reporting(0)); $c = socket_create(AF_INET, SOCK_STREAM, 0); var_dump(socket_connect($c, "127.0.0.1", $port));
var_dump(error_reporting(E_ALL & ~E_WARNING)); $c = socket_create(AF_INET, SOCK_STREAM, 0); var_dump(socket_connect($c, "127.0.0.1", $port));
var_dump(error_reporting(E_ALL)); $c = socket_create(AF_INET, SOCK_STREAM, 0); var_dump(socket_connect($c, "127.0.0.1", $port));
var_dump(ini_set("error_reporting", E_ALL & ~E_WARNING), error_reporting(), ini_get("error_reporting")); var_dump(socket_connect($c, "127.0.0.1", $port)); error_reporting(E_ALL);
var_dump(set_time_limit(0), ob_implicit_flush(), ignore_user_abort(true), ignore_user_abort(), ini_get("max_execution_time"), ini_get("default_socket_timeout"));
var_dump(ini_set("default_socket_timeout", 5), ini_get("default_socket_timeout"), ini_set("no_such_setting", "1"), ini_get("no_such_setting"), ini_get("precision"));
var_dump(E_ALL, E_ERROR, E_WARNING, E_PARSE, E_NOTICE, E_STRICT, E_DEPRECATED, E_USER_ERROR, E_USER_WARNING, E_USER_NOTICE, E_USER_DEPRECATED, E_RECOVERABLE_ERROR);
var_dump(PHP_EOL, PHP_OS, PHP_OS_FAMILY, PHP_INT_SIZE, PHP_FLOAT_EPSILON, PHP_FLOAT_MIN, PHP_FLOAT_MAX, PHP_FLOAT_DIG, PHP_INT_MAX > 9.2e18, PHP_INT_MIN < -9.2e18);
var_dump(extension_loaded("sockets"), extension_loaded("JSON"), extension_loaded("pcre"), extension_loaded("standard"), extension_loaded("gd"));
var_dump(function_exists("socket_create"), function_exists("json_encode"), function_exists("no_such_function"));
var_dump(getservbyname("http", "tcp"), getservbyname("www", "tcp"), getservbyname("domain", "udp"), getservbyname("nope", "tcp"), getservbyport(22, "tcp"), getservbyport(1, "udp"));
var_dump(gethostname() === trim(file_get_contents("/proc/sys/kernel/hostname")), pathinfo(__FILE__, PATHINFO_FILENAME), basename(__DIR__));
