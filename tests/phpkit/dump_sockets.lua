-- sockets and stream resources in var_dump, print_r, var_export and json_encode
local a = socket_create(AF_INET, SOCK_STREAM, 0) local b = socket_create(AF_INET, SOCK_DGRAM, 0)
var_dump(a) var_dump({a, b}, array{server = a, clients = {b}})
print_r(a) print_r({a, c = {b}}) echo("\n")
var_export(b) echo("\n") var_export(array{s = a, n = {1}}) echo("\n")
var_dump(json_encode(a), json_encode({a, "x"}), json_encode(STDIN), json_last_error_msg())
var_dump(in_array(b, {a, b}, true), array_search(b, array{x = a, y = b}), count({a, b}))
