package tests

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The --allow/--deny attacks of issue 14, each made the way the attacker
// made it, against the real binary, with a control run that shows the
// attack reaches its target without the rule. Raw sockets need root (or
// CAP_NET_RAW) and the namespace test needs unshare(1) and ip(8) with the
// right to use them: where the privilege is missing they skip and say so.
// docs/hardening.md states what the policy promises.

// unix: rules decide on the path the kernel reaches: with ok/l ->
// secret/sub, D/ok/l/../s.sock is D/secret/s.sock, not D/ok/s.sock.
func TestHostilePolicyUnixDotDotAfterSymlink(t *testing.T) {
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"ok", "secret/sub"} {
		if err := os.MkdirAll(filepath.Join(d, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(d, "secret", "sub"), filepath.Join(d, "ok", "l")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(d, "secret", "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	polEchoServer(t, ln)
	body := `
local s = socket_create(AF_UNIX, SOCK_STREAM, 0)
local ok = socket_connect(s, arg[1])
local reply = ""
if ok then socket_write(s, "ping") reply = " " .. socket_read(s, 4) end
echo("connect ", tostring(ok), " ", socket_last_error(s), reply, "\n")
local b = socket_create(AF_UNIX, SOCK_STREAM, 0)
echo("bind ", tostring(socket_bind(b, arg[2])), " ", socket_last_error(b), "\n")
`
	target := d + "/ok/l/../s.sock" // the kernel: D/secret/s.sock
	newSock := d + "/ok/l/../new.sock"
	for _, c := range []struct {
		flags []string
		want  string
		why   string
	}{
		{[]string{"--deny", "unix:" + d + "/secret/*"}, "connect false 13\nbind false 13\n", "denied by --deny unix:" + d + "/secret/*"},
		{[]string{"--allow", "unix:" + d + "/ok/*"}, "connect false 13\nbind false 13\n", "connect to " + d + "/secret/s.sock matches no --allow rule"},
		{[]string{"--allow", "unix:" + d + "/secret/*"}, "connect true 0 ping\nbind true 0\n", ""}, // the control
	} {
		os.Remove(filepath.Join(d, "secret", "new.sock"))
		r, _ := polRun(t, c.flags, body, target, newSock)
		if r.stdout != c.want || !strings.Contains(r.stderr, c.why) {
			t.Errorf("%v: stdout %q, want %q; stderr (want %q):\n%s", c.flags, r.stdout, c.want, c.why, r.stderr)
		}
	}
}

// hpRequireRaw skips unless this process may open raw sockets.
func hpRequireRaw(t *testing.T) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_UDP)
	if err != nil {
		t.Skipf("raw sockets need root or CAP_NET_RAW (socket(AF_INET, SOCK_RAW): %v): not tried", err)
	}
	syscall.Close(fd)
}

// hpRawScript sends a hand-built UDP datagram to 127.0.0.1:PORT two ways:
// a SOCK_RAW socket of protocol 17 (the kernel adds the IP header; the
// sockaddr says port 80), and an IPPROTO_RAW socket with IP_HDRINCL whose
// own IP header says 127.0.0.1 whatever the sockaddr says (SOCKADDR). Then
// an ICMP datagram socket, which the policy cannot check by port either.
const hpRawScript = `
local port, sockaddr = tonumber(arg[1]), arg[2]
local function datagram(src, payload) return pack("nnnn", src, port, 8 + #payload, 0) .. payload end
local s = socket_create(AF_INET, SOCK_RAW, 17)
echo("raw17 ", tostring(s ~= false), " ", socket_last_error(), "\n")
if s then
  local pkt = datagram(40000, "VIA-SOCK-RAW-17")
  socket_sendto(s, pkt, #pkt, 0, "127.0.0.1", 80)
end
local r = socket_create(AF_INET, SOCK_RAW, 255)
echo("rawip ", tostring(r ~= false), " ", socket_last_error(), "\n")
if r then
  socket_set_option(r, 0, 3, 1) -- IPPROTO_IP, IP_HDRINCL
  local udp = datagram(40001, "VIA-IP-HDRINCL")
  local ip = pack("CCnnnCCnNN", 0x45, 0, 20 + #udp, 0, 0, 64, 17, 0, 0x7f000001, 0x7f000001) .. udp
  socket_sendto(r, ip, #ip, 0, sockaddr, 0)
end
local icmp = socket_create(AF_INET, SOCK_DGRAM, 1)
echo("icmp ", tostring(icmp ~= false), " ", socket_last_error(), "\n")
`

// Raw sockets write the real destination into the packet, where no rule
// looks: under any rule they are refused at socket_create, with errno 13
// and a warning that says why. Without rules the same script delivers both
// datagrams.
func TestHostilePolicyRawSockets(t *testing.T) {
	hpRequireRaw(t)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := fmt.Sprint(pc.LocalAddr().(*net.UDPAddr).Port)
	// received reads what reached the listener: everything before the
	// marker this test sends after sockrun has ended.
	received := func() []string {
		t.Helper()
		marker, err := net.Dial("udp4", pc.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		marker.Write([]byte("MARKER"))
		marker.Close()
		var got []string
		buf := make([]byte, 2048)
		for {
			pc.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				t.Fatalf("reading the listener: %v (so far %q)", err, got)
			}
			if string(buf[:n]) == "MARKER" {
				return got
			}
			got = append(got, string(buf[:n]))
		}
	}
	t.Run("control", func(t *testing.T) {
		r, _ := polRun(t, nil, hpRawScript, port, "127.0.0.1")
		// The ICMP socket is the kernel's to refuse here (ping_group_range).
		if !strings.HasPrefix(r.stdout, "raw17 true 0\nrawip true 0\nicmp ") {
			t.Errorf("without rules: stdout %q\nstderr:\n%s", r.stdout, r.stderr)
		}
		if got := strings.Join(received(), ","); got != "VIA-SOCK-RAW-17,VIA-IP-HDRINCL" && got != "VIA-IP-HDRINCL,VIA-SOCK-RAW-17" {
			t.Errorf("without rules the raw datagrams should arrive: %q", got)
		}
	})
	for _, flags := range [][]string{
		{"--allow", "127.0.0.1:80"},
		{"--deny", "127.0.0.0/8"},
		{"--deny", "10.255.255.255"},
	} {
		t.Run(strings.Join(flags, "_"), func(t *testing.T) {
			// The IP_HDRINCL form names an address no rule denies in the
			// sockaddr; the header inside says 127.0.0.1.
			r, script := polRun(t, flags, hpRawScript, port, "192.0.2.99")
			if r.stdout != "raw17 false 13\nrawip false 13\nicmp false 13\n" {
				t.Errorf("stdout %q\nstderr:\n%s", r.stdout, r.stderr)
			}
			for call, what := range map[string]string{
				"socket_create(AF_INET, SOCK_RAW, 17)":  "a SOCK_RAW socket of protocol 17",
				"socket_create(AF_INET, SOCK_RAW, 255)": "a SOCK_RAW socket of protocol 255",
				"socket_create(AF_INET, SOCK_DGRAM, 1)": "a SOCK_DGRAM socket of protocol 1",
			} {
				want := fmt.Sprintf("Warning: socket_create(): Unable to create socket [13]: Permission denied (%s is refused under --allow/--deny, which can check only TCP and UDP sockets) in %s on line %d", what, script, polLineOf(hpRawScript, call))
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks\n%s\n%s", want, r.stderr)
				}
			}
			if got := received(); len(got) != 0 {
				t.Errorf("datagrams got through: %q", got)
			}
		})
	}
}

// hpHostScript: FAMILY BIND TARGET [BROADCAST]. It listens on BIND, port 0,
// and connects to TARGET at that port; with BROADCAST it sends a datagram
// there to a UDP socket of its own bound to 0.0.0.0 and waits for it.
const hpHostScript = `
local six = arg[1] == "6"
local fam = six and AF_INET6 or AF_INET
local l = socket_create(fam, SOCK_STREAM, 0)
echo("bind ", tostring(socket_bind(l, arg[2], 0)), "\n")
socket_listen(l, 4)
local _, _, port = socket_getsockname(l)
local c = socket_create(fam, SOCK_STREAM, 0)
echo("connect ", tostring(socket_connect(c, arg[3], port)), " ", socket_last_error(c), "\n")
if arg[4] then
  local u = socket_create(AF_INET, SOCK_DGRAM, 0)
  socket_bind(u, "0.0.0.0", 0)
  local _, _, uport = socket_getsockname(u)
  local b = socket_create(AF_INET, SOCK_DGRAM, 0)
  socket_set_option(b, SOL_SOCKET, SO_BROADCAST, 1)
  local sent = socket_sendto(b, "bcast", 5, 0, arg[4], uport)
  echo("broadcast ", tostring(sent), " ", socket_last_error(b), "\n")
  if sent then
    socket_set_option(u, SOL_SOCKET, SO_RCVTIMEO, {sec = 10, usec = 0})
    local n, buf = socket_recvfrom(u, 100, 0)
    echo("received ", tostring(buf), "\n")
  end
end
`

// Under --deny 127.0.0.0/8 --deny ::1, a service on 0.0.0.0 or :: is still
// reached through the host's own interface addresses; --deny host denies
// them too. Tried only in a network namespace the test makes (below), so
// no traffic goes to an address of the machine outside loopback.

// hpCheckThisHost runs hpHostScript (through wrap, if any) with the
// loopback rules (the attack), with --deny host, and with --allow host.
func hpCheckThisHost(t *testing.T, wrap []string, fam, any, addr, bcast string) {
	t.Helper()
	script := writeFile(t, "host.lua", hpHostScript)
	run := func(flags ...string) result {
		argv := append(append(append(append([]string{}, wrap...), binPath), flags...), script, fam, any, addr)
		if bcast != "" {
			argv = append(argv, bcast)
		}
		return runProgram(t, "", argv[0], argv[1:]...)
	}
	r := run("--deny", "127.0.0.0/8", "--deny", "::1")
	want := "bind true\nconnect true 0\n"
	if bcast != "" {
		want += "broadcast 5 0\nreceived bcast\n"
	}
	if r.stdout != want {
		t.Errorf("the loopback rules (the attack): stdout %q, want %q\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	r = run("--deny", "host")
	want = "bind true\nconnect false 13\n"
	if bcast != "" {
		want += "broadcast false 13\n"
	}
	if r.stdout != want || !strings.Contains(r.stderr, "denied by --deny host") {
		t.Errorf("--deny host: stdout %q, want %q\nstderr:\n%s", r.stdout, want, r.stderr)
	}
	// --allow host lets the script reach this host, listening on its
	// address (0.0.0.0 and :: are no address of this host to bind).
	argv := append(append(append([]string{}, wrap...), binPath), "--allow", "host", script, fam, addr, addr)
	r = runProgram(t, "", argv[0], argv[1:]...)
	if r.stdout != "bind true\nconnect true 0\n" {
		t.Errorf("--allow host: stdout %q\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// The same in a network namespace of its own, with an interface made for
// the test (a dummy one, or a veth pair where the dummy driver is missing)
// holding 10.99.0.1/24 and fd99::1/64: there the broadcast to 10.99.0.255
// is tried too, since it goes nowhere but the namespace. The veth's peer
// stays down: its carrier coming up a moment later would make the kernel
// redo the IPv6 routes while the script connects, and local addresses need
// no carrier. The kernel installs an IPv6 address's local route from a work
// queue, a moment after "ip addr add": until "ip route get" says local, a
// connect would go out on the interface and end in EHOSTUNREACH, so the
// setup waits for it (polling the kernel's state, bounded at 5 s).
func TestHostilePolicyThisHostNamespace(t *testing.T) {
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the namespace test is not tried", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a network namespace (unshare -n: %v %s): needs root or CAP_SYS_ADMIN", err, out)
	}
	setup := `set -e
ip link set lo up
if ip link add d0 type dummy 2>/dev/null; then dev=d0; else ip link add v0 type veth peer name v1; dev=v0; fi
ip addr add 10.99.0.1/24 dev $dev
ip addr add fd99::1/64 dev $dev nodad
ip link set $dev up
for a in 10.99.0.1 fd99::1; do
  i=0
  until ip route get $a 2>/dev/null | grep -q '^local'; do
    i=$((i+1)); [ $i -le 500 ] || { echo "no local route to $a"; exit 3; }; sleep 0.01
  done
done
exec "$@"`
	if out, err := exec.Command("unshare", "-n", "sh", "-c", setup, "sh", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot give the namespace an interface (%v): %s", err, out)
	}
	wrap := []string{"unshare", "-n", "sh", "-c", setup, "sh"}
	t.Run("v4", func(t *testing.T) { hpCheckThisHost(t, wrap, "4", "0.0.0.0", "10.99.0.1", "10.99.0.255") })
	t.Run("v6", func(t *testing.T) { hpCheckThisHost(t, wrap, "6", "::", "fd99::1", "") })
}
