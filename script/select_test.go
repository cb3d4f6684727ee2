package script

// socket_select: beyond FD_SETSIZE, readiness, timeouts, misuse.

import (
	"strings"
	"testing"
	"time"
)

// socket_select answers over 5,000 connected sockets at once (PHP's select
// stops at FD_SETSIZE, 1,024), keeping the keys of the ready ones only.
func TestSelectBeyondFDSetSize(t *testing.T) {
	out := mustRun(t, pairLua+`
		local N = 5000
		local srv = socket_create(AF_INET, SOCK_STREAM, 0)
		socket_bind(srv, "127.0.0.1", 0)
		socket_listen(srv, 128)
		local _, _, port = socket_getsockname(srv)
		local clients, conns = {}, {}
		for i = 1, N do
		  clients[i] = socket_create(AF_INET, SOCK_STREAM, 0)
		  assert(socket_connect(clients[i], "127.0.0.1", port))
		  conns[i] = assert(socket_accept(srv))
		end
		-- Every 7th client writes; the others stay idle.
		local want = 0
		for i = 7, N, 7 do socket_write(clients[i], "x"); want = want + 1 end
		local read = {}
		for i = 1, N do read["c" .. i] = conns[i] end
		local n = socket_select(read, nil, nil, 5)
		local keys = 0
		for k, s in pairs(read) do
		  keys = keys + 1
		  local i = tonumber(k:sub(2))
		  assert(i % 7 == 0, "idle socket reported ready: " .. k)
		  assert(s == conns[i])
		end
		echo(n, " ", want, " ", keys, "\n")
		-- All 10,000 ends are writable at once.
		local write = {}
		for i = 1, N do write[#write + 1] = clients[i]; write[#write + 1] = conns[i] end
		echo(socket_select(nil, write, nil, 0), "\n")
	`)
	if out != "714 714 714\n10000\n" {
		t.Fatalf("got %q, want 714 ready of 714 written (keys kept) and 10000 writable", out)
	}
}

// The readiness rules of select: a pending connection makes a listener
// readable, a peer's close makes a connection readable, duplicates count once
// and keep both keys, string keys survive, and nil sets are allowed.
func TestSelectReadiness(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn, port = pair()
		local r = {srv, conn, cli}
		echo(socket_select(r, nil, nil, 0), " ", r[1] == nil, r[2] == nil, r[3] == nil, "\n")
		local late = socket_create(AF_INET, SOCK_STREAM, 0)
		socket_connect(late, "127.0.0.1", port)
		r = {listener = srv, [10] = conn}
		echo(socket_select(r, nil, nil, 0), " ", r.listener == srv, r[10] == nil, "\n")
		socket_write(cli, "data")
		r = {[1] = conn, [2] = conn, [3] = srv}
		echo(socket_select(r, nil, nil, 0), " ", r[1] == conn, r[2] == conn, r[3] == srv, "\n")
		local w, e = {cli, conn}, {cli}
		echo(socket_select({conn}, w, e, 0), " ", #w, " ", next(e) == nil, "\n")
		socket_close(cli)
		socket_read(conn, 100)
		r = {conn}
		echo(socket_select(r, nil, nil, 1), " ", socket_read(conn, 100) == "", "\n")
	`)
	want := "0 truetruetrue\n1 truetrue\n2 truetruetrue\n3 2 true\n1 true\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

// select's timeouts: 0 polls, (0, 200000) waits about 0.2 s, and usec over a
// second carries into seconds; negative values fail with EINVAL.
func TestSelectTimeouts(t *testing.T) {
	start := time.Now()
	out, errOut, _ := runLua(t, pairLua+`
		local srv, cli, conn = pair()
		echo(socket_select({conn}, nil, nil, 0, 200000), "\n")
		echo(tostring(socket_select({conn}, nil, nil, -1)), " ", socket_last_error(), "\n")
	`)
	elapsed := time.Since(start)
	if out != "0\nfalse 22\n" {
		t.Fatalf("got %q; stderr %q", out, errOut)
	}
	if !strings.Contains(errOut, "Warning: socket_select(): Unable to select [22]: Invalid argument in -e on line ") {
		t.Errorf("stderr %q lacks the EINVAL warning", errOut)
	}
	if elapsed < 200*time.Millisecond {
		t.Errorf("select(0, 200000) returned after %v, before its timeout", elapsed)
	}
}

// Misuse raises PHP-worded errors with Lua type names.
func TestSelectMisuse(t *testing.T) {
	out := mustRun(t, pairLua+`
		local srv, cli, conn = pair()
		local function try(...) local ok, err = pcall(socket_select, ...) echo(err:gsub("^[^:]*:%d+: ", ""), "\n") end
		try(nil, nil, nil, 0)
		try({}, {}, nil, 0)
		try({1}, nil, nil, 0)
		try("x", nil, nil, 0)
		socket_close(cli)
		try({cli}, nil, nil, 0)
	`)
	want := strings.Join([]string{
		"socket_select(): At least one array argument must be passed",
		"socket_select(): At least one array argument must be passed",
		"socket_select(): Argument #1 ($read) must only have elements of type Socket, number given",
		"socket_select(): Argument #1 ($read) must be of type ?array, string given",
		"socket_select(): Argument #1 ($read) contains a closed socket",
	}, "\n") + "\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}
