package script

import (
	"runtime"
	"testing"
)

// allocsPerIteration runs setup, then body n times in a Lua loop, and
// returns the heap allocations per iteration.
func allocsPerIteration(t *testing.T, setup, body string, n int) float64 {
	t.Helper()
	rt := mustNew(Options{})
	defer rt.Close()
	if err := rt.L.DoString(pairLua + setup); err != nil {
		t.Fatal(err)
	}
	fn, err := rt.L.LoadString("for i = 1, " + itoa(n) + " do " + body + " end")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rt.L.Push(fn)
	if err := rt.L.PCall(0, 0, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n)
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// The steady state of socket_read/_write/_recv/_send/_select allocates
// nothing beyond the Lua strings they return: per round trip below, the
// received string (its bytes and its Lua value) and nothing else; byte counts
// and select's count are small numbers, whose Lua values are made once.
func TestHotPathAllocations(t *testing.T) {
	const setup = `srv, cli, conn = pair(); socket_set_nonblock(conn); rd = {}; msg = "hello\n"`
	for _, c := range []struct {
		name, body string
		max        float64
	}{
		{"write and read", `socket_write(cli, msg) socket_read(conn, 100)`, 2.5},
		{"send and recv", `socket_send(cli, msg, 6, 0) socket_recv(conn, 100, 0)`, 2.5},
		{"select", `socket_write(cli, msg) rd[1] = conn socket_select(rd, nil, nil, 0) socket_read(conn, 100)`, 2.5},
		// The loop that fills the table allocates in gopher-lua itself
		// (its for-loop numbers): only what the select adds counts.
		{"select over 1,000 idle", `socket_write(cli, msg) fill() socket_select(big, nil, nil, 0) socket_read(conn, 100)`, 2.5},
	} {
		setup := setup + `
			idle, big = {}, {}
			for k = 1, 500 do local _, a, b = pair() idle[2 * k - 1], idle[2 * k] = a, b end
			function fill() for k = 1, 1000 do big[k] = idle[k] end big[1001] = conn end`
		got := allocsPerIteration(t, setup, c.body, 1000)
		if c.name == "select over 1,000 idle" {
			got -= allocsPerIteration(t, setup, `socket_write(cli, msg) fill() socket_read(conn, 100)`, 1000)
			got += 2 // the read's string, counted out with the baseline
		}
		if got > c.max {
			t.Errorf("%s: %.1f allocations per round trip, want at most %.1f", c.name, got, c.max)
		}
	}
}
