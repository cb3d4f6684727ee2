-- t09_select: the tables keep only the ready sockets under their original
-- keys; the count is over all sets (duplicates count once); a listener with
-- a pending connection is readable; a closed peer makes a connection
-- readable; connected sockets are writable; timeouts 0, (0, 200000), nil;
-- a fractional timeout is truncated; a negative one is EINVAL.
dofile((arg[0]:match("^(.*)/") or ".") .. "/lib.lua")
local srv, cli, conn, port = pair()
local cli2 = name(socket_create(AF_INET, SOCK_STREAM, SOL_TCP), "cli2")
echo("-- nothing ready, timeout 0\n")
local r, w, e = { a = srv, [5] = conn, [7] = cli }, nil, nil
show("select", socket_select(r, w, e, 0))
show("sets", r, w, e)
echo("-- nothing ready, timeout (0, 200000)\n")
r, w, e = { srv, conn }, {}, {}
local t = now()
show("select", socket_select(r, w, e, 0, 200000))
local el = now() - t
show("waited about 0.2s", el >= 0.15 and el < 2)
show("sets", r, w, e)
echo("-- pending connection, data; keys kept\n")
socket_connect(cli2, "127.0.0.1", port)
socket_write(cli, "hi")
waitr(srv)
waitbytes(conn, 2)
r, w, e = { listener = srv, [10] = conn, [20] = cli, [30] = cli2 }, nil, nil
show("select", socket_select(r, w, e, 1))
show("read set", r)
show("identity", in_array(srv, r, true), in_array(conn, r), in_array(cli, r), r.listener == srv)
echo("-- write set: connected sockets are writable\n")
r, w, e = nil, { [3] = cli, [4] = conn }, nil
show("select", socket_select(r, w, e, 0))
show("sets", r, w, e)
echo("-- read+write+except count\n")
r, w, e = { conn }, { cli, conn }, { cli }
show("select", socket_select(r, w, e, 0))
show("sets", r, w, e)
echo("-- the same socket in read and write counts twice\n")
show("select", socket_select({ conn }, { conn }, nil, 0))
echo("-- closed peer is readable, read returns ''\n")
show("read", socket_read(conn, 100))
socket_close(cli)
waitr(conn)
r = { conn }
show("select", socket_select(r, nil, nil, 0))
show("read set", r)
show("read", socket_read(conn, 100))
echo("-- duplicates in one set are kept, and count once\n")
r = { conn, conn, srv }
show("select", socket_select(r, nil, nil, 0))
show("read set", r)
echo("-- timeout nil blocks until ready (data already sent)\n")
local a = name(socket_accept(srv), "a")
socket_write(cli2, "late")
r = { a }
show("select", socket_select(r, nil, nil, nil))
show("read set", r)
show("read", socket_read(a, 100))
echo("-- negative timeout\n")
r = { a }
show("select -1", socket_select(r, nil, nil, -1))
show("last_error", socket_last_error())
show("read set unchanged", r)
r = { a }
show("select 0, -1", socket_select(r, nil, nil, 0, -1))
echo("-- fractional timeout is truncated to 0\n")
r = { a }
t = now()
show("select 0.9", socket_select(r, nil, nil, 0.9))
show("returned at once", now() - t < 0.5)
echo("-- numeric-string timeouts\n")
r = { a }
show("select '0', '1000'", socket_select(r, nil, nil, "0", "1000"))
echo("-- nil sets stay nil, an empty table stays empty\n")
r, w, e = { a }, {}, nil
show("select", socket_select(r, w, e, 0))
show("sets", r, w, e)
echo("-- urgent (MSG_OOB) data puts a connection in the except set\n")
local srv2, c2, k2 = pair("2")
show("send oob", socket_send(c2, "ab!", 3, MSG_OOB))
waitbytes(k2, 2)
r, w, e = { k2 }, nil, { k2, c2 }
show("select", socket_select(r, w, e, 1))
show("sets", r, w, e)
show("recv oob", socket_recv(k2, 10, MSG_OOB))
show("recv", socket_recv(k2, 10, 0))
