-- udp_sendto.lua: the PHP manual's socket_sendto() example (udp_sendto.php beside it): one
-- datagram to 127.0.0.1:1223 (see udp_recvfrom.lua). Run: sockrun examples/ports/udp_sendto.lua
-- Source: https://www.php.net/manual/en/function.socket-sendto.php, Example #1, (c) the PHP
-- Documentation Group, CC BY 3.0. Changes are syntax only.
    local sock = socket_create(AF_INET, SOCK_DGRAM, SOL_UDP)

    local msg = "Ping !"
    local len = strlen(msg)

    socket_sendto(sock, msg, len, 0, '127.0.0.1', 1223)
    socket_close(sock)
