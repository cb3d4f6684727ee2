package tests

// End-to-end tests of scripts/resp_server.lua, the small Redis-protocol
// server: redis-cli for every command, Go clients for binary values,
// pipelining, split requests and many clients at once, nc for inline
// commands, a real redis-server for byte-for-byte parity, and
// redis-benchmark.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tkRespServer starts resp_server.lua on a kernel-picked loopback port.
func tkRespServer(t *testing.T) (*process, string) {
	t.Helper()
	return tkServer(t, "scripts/resp_server.lua", "127.0.0.1", "0")
}

// tkReadReply reads one complete RESP reply and returns its exact bytes.
func tkReadReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return line, fmt.Errorf("malformed reply line %q", line)
	}
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || n < 0 {
			return line, err
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return line, err
		}
		return line + string(body), nil
	case '*':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil {
			return line, err
		}
		out := line
		for i := 0; i < n; i++ {
			item, err := tkReadReply(r)
			out += item
			if err != nil {
				return out, err
			}
		}
		return out, nil
	}
	return line, fmt.Errorf("unknown reply type in %q", line)
}

// tkRespConn is a Go RESP client.
type tkRespConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func tkRespDial(t testing.TB, addr string) *tkRespConn {
	t.Helper()
	c := dialTCP(t, addr)
	return &tkRespConn{t: t, conn: c, r: bufio.NewReaderSize(c, 1<<20)}
}

// tkRespCommand encodes a command as a RESP array of bulk strings.
func tkRespCommand(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func tkBulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func (c *tkRespConn) write(raw string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *tkRespConn) reply() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	s, err := tkReadReply(c.r)
	if err != nil {
		c.t.Fatalf("reading a reply: %v (got %.200q)", err, s)
	}
	return s
}

// do sends one command and returns its raw reply.
func (c *tkRespConn) do(args ...string) string {
	c.t.Helper()
	c.write(tkRespCommand(args...))
	return c.reply()
}

func (c *tkRespConn) expect(want string, args ...string) {
	c.t.Helper()
	if got := c.do(args...); got != want {
		c.t.Fatalf("%q: got %.200q, want %.200q", args, got, want)
	}
}

func TestRespUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"127.0.0.1", "x"}, {"127.0.0.1", "0", "more"}} {
		r := runSockrun(t, append([]string{"scripts/resp_server.lua"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: sockrun scripts/resp_server.lua [ADDRESS [PORT]]") {
			t.Errorf("%q: status %d stderr %q", args, r.code, r.stderr)
		}
	}
}

// Every command through redis-cli, with its errors.
func TestRespRedisCli(t *testing.T) {
	cli := requireTool(t, "redis-cli")
	_, addr := tkRespServer(t)
	host, port, _ := net.SplitHostPort(addr)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG"},
		{[]string{"ping", "hello world"}, "hello world"},
		{[]string{"PING", "a", "b"}, "ERR wrong number of arguments for 'ping' command"},
		{[]string{"ECHO", "tk"}, "tk"},
		{[]string{"ECHO"}, "ERR wrong number of arguments for 'echo' command"},
		{[]string{"GET", "k"}, ""},
		{[]string{"SET", "k", "v"}, "OK"},
		{[]string{"get", "k"}, "v"},
		{[]string{"GET"}, "ERR wrong number of arguments for 'get' command"},
		{[]string{"EXISTS", "k", "k", "missing"}, "2"},
		{[]string{"SET", "k2", "v2"}, "OK"},
		{[]string{"DEL", "k", "missing", "k2", "k"}, "2"},
		{[]string{"EXISTS", "k", "k2"}, "0"},
		{[]string{"DEL"}, "ERR wrong number of arguments for 'del' command"},
		{[]string{"INCR", "n"}, "1"},
		{[]string{"INCR", "n"}, "2"},
		{[]string{"SET", "n", "-1"}, "OK"},
		{[]string{"INCR", "n"}, "0"},
		{[]string{"INCR", "n"}, "1"},
		{[]string{"SET", "n", "9223372036854775806"}, "OK"},
		{[]string{"INCR", "n"}, "9223372036854775807"},
		{[]string{"INCR", "n"}, "ERR increment or decrement would overflow"},
		{[]string{"SET", "n", "-9223372036854775808"}, "OK"},
		{[]string{"INCR", "n"}, "-9223372036854775807"},
		{[]string{"SET", "n", "12345678901234567890"}, "OK"},
		{[]string{"INCR", "n"}, "ERR value is not an integer or out of range"},
		{[]string{"SET", "s", "abc"}, "OK"},
		{[]string{"INCR", "s"}, "ERR value is not an integer or out of range"},
		{[]string{"SET", "s", "1.5"}, "OK"},
		{[]string{"INCR", "s"}, "ERR value is not an integer or out of range"},
		{[]string{"SET", "e", "v", "EX", "100"}, "OK"},
		{[]string{"TTL", "e"}, "100"},
		{[]string{"EXPIRE", "e", "50"}, "1"},
		{[]string{"TTL", "e"}, "50"},
		{[]string{"SET", "c", "41", "ex", "100"}, "OK"},
		{[]string{"INCR", "c"}, "42"}, // INCR keeps the TTL
		{[]string{"TTL", "c"}, "100"},
		{[]string{"SET", "c", "x"}, "OK"}, // SET drops it
		{[]string{"TTL", "c"}, "-1"},
		{[]string{"TTL", "missing"}, "-2"},
		{[]string{"EXPIRE", "missing", "10"}, "0"},
		{[]string{"EXPIRE", "c", "soon"}, "ERR value is not an integer or out of range"},
		{[]string{"EXPIRE", "c", "0"}, "1"}, // deletes at once
		{[]string{"EXISTS", "c"}, "0"},
		{[]string{"SET", "p", "v", "PX", "100000"}, "OK"},
		{[]string{"TTL", "p"}, "100"},
		{[]string{"SET", "p", "v", "EX", "0"}, "ERR invalid expire time in 'set' command"},
		{[]string{"SET", "p", "v", "PX", "-5"}, "ERR invalid expire time in 'set' command"},
		{[]string{"SET", "p", "v", "EX", "ten"}, "ERR value is not an integer or out of range"},
		{[]string{"SET", "p", "v", "EX", "1", "PX", "1000"}, "ERR syntax error"},
		{[]string{"SET", "p", "v", "EX"}, "ERR syntax error"},
		{[]string{"SET", "p", "v", "FOREVER"}, "ERR syntax error"},
		{[]string{"SET", "p"}, "ERR wrong number of arguments for 'set' command"},
		{[]string{"FOO", "bar", "baz"}, "ERR unknown command 'FOO', with args beginning with: 'bar' 'baz'"},
		{[]string{"CONFIG", "GET", "appendonly"}, "appendonly\nno"},
	} {
		if got := tkRedisCli(t, cli, host, port, c.args...); got != c.want {
			t.Errorf("redis-cli %q: got %q, want %q", c.args, got, c.want)
		}
	}

	// PX 100: gone within a bounded wait, polled with TTL and GET.
	start := time.Now()
	if got := tkRedisCli(t, cli, host, port, "SET", "brief", "moment", "PX", "100"); got != "OK" {
		t.Fatalf("SET PX: %q", got)
	}
	for tkRedisCli(t, cli, host, port, "TTL", "brief") != "-2" {
		if time.Since(start) > 5*time.Second {
			t.Fatal("a PX 100 key still has a TTL after 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("a PX 100 key was gone after %v", d)
	}
	if got := tkRedisCli(t, cli, host, port, "GET", "brief"); got != "" {
		t.Fatalf("GET after expiry: %q", got)
	}
}

// tkRedisCli runs one redis-cli command and returns its output without the
// trailing newlines.
func tkRedisCli(t *testing.T, cli, host, port string, args ...string) string {
	t.Helper()
	r := runProgram(t, "", cli, append([]string{"-h", host, "-p", port}, args...)...)
	if r.code != 0 {
		t.Fatalf("redis-cli %q: status %d, stderr %q", args, r.code, r.stderr)
	}
	return strings.TrimRight(r.stdout, "\n ")
}

// Keys expire: PX 100 is gone within a bounded wait and never before 100
// ms; EXPIRE in seconds too.
func TestRespExpiry(t *testing.T) {
	_, addr := tkRespServer(t)
	c := tkRespDial(t, addr)
	start := time.Now()
	c.expect("+OK\r\n", "SET", "short", "lived", "PX", "100")
	c.expect("+OK\r\n", "SET", "long", "lived", "PX", "60000")
	c.expect("+OK\r\n", "SET", "secs", "lived")
	c.expect(":1\r\n", "EXPIRE", "secs", "1")
	gone := func(key string, min, max time.Duration) {
		t.Helper()
		for {
			if got := c.do("GET", key); got == "$-1\r\n" {
				break
			} else if got != tkBulk("lived") {
				t.Fatalf("GET %s: %q", key, got)
			}
			if time.Since(start) > max {
				t.Fatalf("%s still there after %v", key, time.Since(start))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if elapsed := time.Since(start); elapsed < min {
			t.Fatalf("%s gone after %v, before its %v", key, elapsed, min)
		}
		c.expect(":-2\r\n", "TTL", key)
		c.expect(":0\r\n", "EXISTS", key)
		c.expect(":0\r\n", "DEL", key)
	}
	gone("short", 100*time.Millisecond, 5*time.Second)
	c.expect(tkBulk("lived"), "GET", "long")
	c.expect(":60\r\n", "TTL", "long")
	gone("secs", time.Second, 6*time.Second)
	c.expect(":1\r\n", "EXISTS", "long")
	// An expired counter starts again from 0.
	c.expect("+OK\r\n", "SET", "ctr", "10", "PX", "50")
	for c.do("EXISTS", "ctr") == ":1\r\n" {
		if time.Since(start) > 10*time.Second {
			t.Fatal("ctr did not expire")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.expect(":1\r\n", "INCR", "ctr")
	c.expect(":-1\r\n", "TTL", "ctr")
}

// Binary-safe keys and values (every byte value, CR LF inside, empty, 1 MiB),
// a request written one byte at a time, and 300 pipelined commands answered
// in order.
func TestRespBinaryAndPipelining(t *testing.T) {
	_, addr := tkRespServer(t)
	c := tkRespDial(t, addr)
	var all []byte
	for i := 0; i < 256; i++ {
		all = append(all, byte(i))
	}
	key := "k\x00\r\n\xff"
	value := string(all) + "\r\n$3\r\n*1\r\n" + string(all)
	c.expect("+OK\r\n", "SET", key, value)
	c.expect(tkBulk(value), "GET", key)
	c.expect(":1\r\n", "EXISTS", key)
	c.expect(":0\r\n", "EXISTS", "k")
	c.expect("+OK\r\n", "SET", "empty", "")
	c.expect("$0\r\n\r\n", "GET", "empty")
	c.expect(tkBulk(value), "ECHO", value)

	big := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(big)
	c.expect("+OK\r\n", "SET", "big", string(big))
	c.expect(tkBulk(string(big)), "GET", "big")

	// One byte per write: the server must put the pieces together.
	for _, b := range []byte(tkRespCommand("SET", "slow", "by\r\nte")) {
		c.write(string([]byte{b}))
	}
	if got := c.reply(); got != "+OK\r\n" {
		t.Fatalf("split SET: %q", got)
	}
	c.expect(tkBulk("by\r\nte"), "GET", "slow")
	// An inline request in pieces, CR and LF in separate writes.
	inline := "ECHO " + strings.Repeat("d", 30000) + "\r"
	for i := 0; i < len(inline); i += 1000 {
		c.write(inline[i:min(i+1000, len(inline))])
	}
	c.write("\n")
	if got := c.reply(); got != tkBulk(strings.Repeat("d", 30000)) {
		t.Fatalf("inline in pieces: %.100q", got)
	}

	// Pipelining: everything in one write, inline and RESP mixed.
	var req, want strings.Builder
	for i := 0; i < 100; i++ {
		req.WriteString(tkRespCommand("SET", fmt.Sprint("p:", i), fmt.Sprint(i)))
		want.WriteString("+OK\r\n")
		fmt.Fprintf(&req, "INCR p:%d\r\n", i)
		fmt.Fprintf(&want, ":%d\r\n", i+1)
		req.WriteString(tkRespCommand("GET", fmt.Sprint("p:", i)))
		want.WriteString(tkBulk(fmt.Sprint(i + 1)))
	}
	c.write(req.String())
	var got strings.Builder
	for i := 0; i < 300; i++ {
		got.WriteString(c.reply())
	}
	if got.String() != want.String() {
		t.Fatalf("pipelined replies differ:\n%.500q\nwant\n%.500q", got.String(), want.String())
	}

	// A DEL of 1000 keys, 900 of them missing.
	args := []string{"DEL"}
	for i := 0; i < 1000; i++ {
		args = append(args, fmt.Sprint("p:", i))
	}
	c.expect(":100\r\n", args...)
}

// 50 clients at once, each 20 INCRs of one counter and its own key: no
// update is lost and no client waits for another.
func TestRespManyClients(t *testing.T) {
	_, addr := tkRespServer(t)
	const clients, rounds = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(conn)
			for j := 0; j < rounds; j++ {
				mine := fmt.Sprintf("client:%d", i)
				io.WriteString(conn, tkRespCommand("INCR", "shared")+tkRespCommand("INCR", mine))
				for k := 0; k < 2; k++ {
					reply, err := tkReadReply(r)
					if err != nil || reply[0] != ':' {
						errs <- fmt.Errorf("client %d: %q %v", i, reply, err)
						return
					}
					if k == 1 && reply != fmt.Sprintf(":%d\r\n", j+1) {
						errs <- fmt.Errorf("client %d: own counter %q at round %d", i, reply, j)
						return
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c := tkRespDial(t, addr)
	c.expect(tkBulk(fmt.Sprint(clients*rounds)), "GET", "shared")
}

// Inline commands from nc, with Redis's quoting; QUIT closes.
func TestRespInlineNetcat(t *testing.T) {
	nc := requireTool(t, "nc")
	_, addr := tkRespServer(t)
	host, port, _ := net.SplitHostPort(addr)
	input := "SET greeting \"hello world\"\r\n" +
		"GET greeting\n" + // a bare LF ends a line too
		"\r\n" + // empty lines are skipped
		"  echo   'it\\'s'  \r\n" +
		"ECHO \"tab\\there\\x41\\n\"\r\n" +
		"ping\r\n" +
		"get nothing\r\n" +
		"QUIT\r\n" +
		"PING\r\n" // never answered
	want := "+OK\r\n" + tkBulk("hello world") + tkBulk("it's") + tkBulk("tab\there\x41\n") +
		"+PONG\r\n" + "$-1\r\n" + "+OK\r\n"
	r := runProgram(t, input, nc, "-N", host, port)
	if r.code != 0 || r.stdout != want {
		t.Fatalf("status %d stderr %q stdout\n%q\nwant\n%q", r.code, r.stderr, r.stdout, want)
	}

	r = runProgram(t, "GET \"unbalanced\r\nPING\r\n", nc, "-N", host, port)
	if r.stdout != "-ERR Protocol error: unbalanced quotes in request\r\n" {
		t.Fatalf("unbalanced quotes: %q", r.stdout)
	}
}

// The same raw requests to a real redis-server and to resp_server.lua get
// the same bytes back, protocol errors (and the close after them) included.
func TestRespParityWithRedis(t *testing.T) {
	server := requireTool(t, "redis-server")
	redisAddr := "127.0.0.1:" + tkStartRedis(t, server)
	_, oursAddr := tkRespServer(t)
	cases := []struct {
		req     string
		replies int
		closes  bool
	}{
		{"PING\r\n", 1, false},
		{"*1\r\n$4\r\nPING\r\n", 1, false},
		{"*2\r\n$4\r\nECHO\r\n$5\r\na\x00b\r\n\r\n", 1, false},
		{"SET a 1\r\nINCR a\r\nINCR a\r\nGET a\r\nDEL a a\r\nEXISTS a a\r\n", 6, false},
		{"set k v ex 10\r\nttl k\r\nexists k k\r\n", 3, false},
		{"SET k v px 100 ex 1\r\nSET k\r\nGET\r\nSET k v EX\r\n", 4, false},
		{"FOO a b c\r\nfoo\r\nfOo \"x\r\ny\"\r\n", 3, false},
		{"ECHO \"a\\x41\\n\\\\\"\r\nECHO 'it\\'s'\r\nECHO a\"b c\"\r\n", 3, false},
		{"\r\n\r\nPING\r\n  ping   \"x y\"  \r\nPING a b\r\n", 3, false},
		{"*0\r\n*-1\r\nPING\r\n", 1, false},
		{"INCR n\r\nSET n 9223372036854775807\r\nINCR n\r\nSET n 007\r\nINCR n\r\nSET n -0\r\nINCR n\r\nSET n \" 5\"\r\nINCR n\r\n", 9, false},
		{"EXPIRE nokey 10\r\nSET e v\r\nEXPIRE e x\r\nEXPIRE e 100\r\nTTL e\r\nEXPIRE e -5\r\nEXISTS e\r\nTTL e\r\n", 8, false},
		{"SET n 1 EX 9223372036854775807\r\nSET n 1 PX 99999999999999999999\r\nGET n\r\n", 3, false},
		{"CONFIG GET appendonly\r\n", 1, false},
		{"QUIT\r\nPING\r\n", 1, true},
		{"*abc\r\n", 1, true},
		{"*1\r\nPING\r\n", 1, true},
		{"*1\r\n$-5\r\n", 1, true},
		{"*1\r\n$x\r\n", 1, true},
		{"PING\r\nGET \"unterminated\r\nPING\r\n", 2, true},
		{"ECHO \"closed\"quote\r\n", 1, true},
		{"ECHO " + strings.Repeat("x", 60000) + "\r\n", 1, false},
		{strings.Repeat("x", 70000), 1, true},
		{"*2\r\n$4\r\nECHO\r\n$" + strings.Repeat("9", 70000), 1, true},
	}
	run := func(addr, req string, replies int, closes bool) string {
		c := tkRespDial(t, addr)
		c.write(req)
		var out strings.Builder
		for i := 0; i < replies; i++ {
			out.WriteString(c.reply())
		}
		if closes {
			c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			rest, err := io.ReadAll(c.r)
			if len(rest) > 0 || err != nil {
				fmt.Fprintf(&out, "[then %q %v]", rest, err)
			} else {
				out.WriteString("[closed]")
			}
		}
		return out.String()
	}
	for _, c := range cases {
		want := run(redisAddr, c.req, c.replies, c.closes)
		got := run(oursAddr, c.req, c.replies, c.closes)
		if got != want {
			t.Errorf("%q:\n redis-server: %q\n resp_server:  %q", c.req, want, got)
		}
	}
}

// redis-benchmark's SET, GET and PING (inline and multibulk) tests, 20
// clients at once, all complete without errors.
func TestRespBenchmark(t *testing.T) {
	bench := requireTool(t, "redis-benchmark")
	_, addr := tkRespServer(t)
	host, port, _ := net.SplitHostPort(addr)
	r := runProgram(t, "", bench, "-h", host, "-p", port, "-t", "set,get,ping", "-n", "2000", "-c", "20", "-q")
	if r.code != 0 {
		t.Fatalf("redis-benchmark: status %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout + r.stderr
	for _, bad := range []string{"ERR", "rror", "WARN"} {
		if strings.Contains(out, bad) {
			t.Fatalf("redis-benchmark reported %q:\n%s", bad, out)
		}
	}
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET"} {
		re := regexp.MustCompile(`(?m)(^|\r)\s*` + test + `: [0-9.]+ requests per second`)
		if !re.MatchString(out) {
			t.Errorf("no requests-per-second line for %s in:\n%q", test, out)
		}
	}
	// Its SETs stored a 3-byte value under its fixed key.
	c := tkRespDial(t, addr)
	if got := c.do("GET", "key:__rand_int__"); !regexp.MustCompile(`^\$3\r\n...\r\n$`).MatchString(got) {
		t.Fatalf("GET key:__rand_int__: %q", got)
	}
	c.expect("+PONG\r\n", "PING")
}
