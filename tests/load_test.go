package tests

// Load tests of the two tutorial-protocol servers, scripts/server.lua and
// scripts/concurrent_server.lua: N clients all connected at once, each doing
// M closed-loop round trips (send a line, read its reply, check it byte for
// byte, send the next), lines of varying length with NULs, CRs and high
// bytes. Nothing may be lost or corrupted, every client must show in the log
// connecting and disconnecting exactly once, and the whole run must finish
// within a bound (a bound, not a benchmark).
//
// Sizes:
//
//	go test ./tests -run 'TestLoad$'                # everyday size: 200 clients x 20 messages per server
//	SOCKRUN_LONG=1 go test ./tests -run 'TestLoad$' # CI size: 2,000 clients x 100 messages per server
//	go test ./tests -run TestLoadFull -sockrun.full -timeout 0 -v
//	SOCKRUN_LOAD=full go test ./tests -run TestLoadFull -timeout 0 -v
//	                                                # full size: 10,000 clients x 1,000 messages per server
//	SOCKRUN_LOAD=5000x200 go test ./tests -run TestLoadFull -timeout 0 -v
//	                                                # any CLIENTSxMESSAGES
//
// The full size skips unless asked for, takes some 20 minutes on 2 CPUs
// (hence -timeout 0: go test's default is 10 minutes) and logs its progress
// once a minute (-v). Both sizes raise this process's
// RLIMIT_NOFILE soft limit to the hard limit first (the server inherits it)
// and fail if that is not enough for the clients. Under -race the binary
// under test is built with -race too and runs several times slower, so the
// CI size sends 25 messages per client instead of 100 there (still all
// 2,000 clients at once). The CI size runs both servers at the same time;
// the full size one after the other, each with its own figures in the
// test's log (-v).

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var ftFullFlag = flag.Bool("sockrun.full", false, "run TestLoadFull at full size (10,000 clients x 1,000 messages per server); or set SOCKRUN_LOAD=full or SOCKRUN_LOAD=CLIENTSxMESSAGES")

// TestLoad is, with SOCKRUN_LONG=1 (as .ci/run sets), the CI size: 2,000
// clients at once, 100 round trips each (25 under -race), through each
// server, in at most 120 s per server; without it, 200 clients x 20. The two
// servers run at the same time, to keep the test's time down; their figures
// are not benchmarks.
func TestLoad(t *testing.T) {
	clients, messages := 2000, 100
	if os.Getenv("SOCKRUN_LONG") == "" || testing.Short() {
		// The everyday size, for a `go test ./...` that stays fast: the
		// same checks on 200 clients x 20 round trips. CI (SOCKRUN_LONG=1)
		// runs the CI size.
		clients, messages = 200, 20
	} else if raceEnabled {
		// The -race binary (and this test under -race) round-trips some 3
		// times slower: 2,000 x 100 would take 40 s or more per server on
		// an idle 2-CPU machine, too close to the bound on a busy one.
		messages = 25
	}
	for _, srv := range ftServers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			ftLoad(t, srv.script, clients, messages, 120*time.Second)
		})
	}
}

// TestLoadFull is the full size, only on request (see the top of the file).
func TestLoadFull(t *testing.T) {
	clients, messages := 10000, 1000
	switch env := os.Getenv("SOCKRUN_LOAD"); {
	case env == "" && !*ftFullFlag:
		t.Skip("full-size load: pass -sockrun.full or set SOCKRUN_LOAD=full (and -timeout 0)")
	case env == "" || env == "full":
	default:
		m := regexp.MustCompile(`^(\d+)x(\d+)$`).FindStringSubmatch(env)
		if m == nil {
			t.Fatalf("SOCKRUN_LOAD=%q: want full or CLIENTSxMESSAGES", env)
		}
		clients, _ = strconv.Atoi(m[1])
		messages, _ = strconv.Atoi(m[2])
	}
	// A bound that scales with the work, several times what either server
	// needs: 2 minutes, plus 10 ms per client to connect (the select server
	// accepts one per turn of a loop over every client), plus 300 µs per
	// round trip.
	bound := 2*time.Minute + time.Duration(clients)*10*time.Millisecond +
		time.Duration(clients*messages)*300*time.Microsecond
	if raceEnabled {
		bound *= 4
	}
	for _, srv := range ftServers {
		t.Run(srv.name, func(t *testing.T) {
			ftLoad(t, srv.script, clients, messages, bound)
		})
	}
}

// ftLoadLine is client i's message j: its name, then 0 to 99 bytes of
// every value but "\n" (NULs, CRs, high bytes), then "\n".
func ftLoadLine(i, j int) []byte {
	n := (i*31 + j*17) % 100
	b := make([]byte, 0, 24+n)
	b = fmt.Appendf(b, "c%d m%d ", i, j)
	for k := 0; k < n; k++ {
		c := byte(i + j*7 + k*13)
		if c == '\n' {
			c = 0
		}
		b = append(b, c)
	}
	return append(b, '\n')
}

// ftLoad runs clients clients at once through script, messages round trips
// each, within bound.
func ftLoad(t *testing.T, script string, clients, messages int, bound time.Duration) {
	if limit := ftRaiseNofile(t); limit < uint64(clients)+200 {
		t.Fatalf("RLIMIT_NOFILE is %d: %d clients need %d descriptors here and in the server; raise the hard limit (ulimit -Hn)",
			limit, clients, clients+200)
	}
	s := ftStartServer(t, script)
	start := time.Now()
	deadline := start.Add(bound)

	var (
		checked, lost, corrupted atomic.Int64
		errMu                    sync.Mutex
		errs                     []string
		ids                      = make([]string, clients)
		connected, finished      sync.WaitGroup
		goAhead                  = make(chan struct{})
		dialSlots                = make(chan struct{}, 128) // the server's backlog is not the test
	)
	report := func(format string, args ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	// Progress once a minute, for long runs (seen with -v).
	var nConnected atomic.Int64
	stopProgress, progressDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(progressDone)
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				t.Logf("%s: %d clients connected, %d replies checked so far, %v", script, nConnected.Load(), checked.Load(), time.Since(start).Round(time.Second))
			case <-stopProgress:
				return
			}
		}
	}()
	connected.Add(clients)
	finished.Add(clients)
	for i := 0; i < clients; i++ {
		go func(i int) {
			defer finished.Done()
			dialSlots <- struct{}{}
			conn, err := net.DialTimeout("tcp", s.addr, time.Until(deadline))
			if err == nil {
				conn.SetDeadline(deadline)
				ids[i] = ftID(conn.LocalAddr())
				buf := make([]byte, len(ftWelcome))
				var n int
				n, err = io.ReadFull(conn, buf)
				if err == nil && string(buf) != ftWelcome {
					err = fmt.Errorf("welcome %s", ftBrief(string(buf[:n])))
				}
			}
			<-dialSlots
			nConnected.Add(1)
			connected.Done()
			if err != nil {
				report("client %d connecting: %v", i, err)
				lost.Add(int64(messages))
				if conn != nil {
					conn.Close()
				}
				return
			}
			defer conn.Close()
			<-goAhead
			buf := make([]byte, 0, 256)
			for j := 0; j < messages; j++ {
				line := ftLoadLine(i, j)
				if _, err := conn.Write(line); err != nil {
					report("client %d (%s), message %d: writing: %v", i, ids[i], j, err)
					lost.Add(int64(messages - j))
					return
				}
				want := append([]byte("OK ... "), line...)
				buf = buf[:len(want)]
				n, err := io.ReadFull(conn, buf)
				if err != nil {
					if string(buf[:n]) != string(want[:n]) {
						corrupted.Add(1)
						lost.Add(int64(messages - j - 1))
					} else {
						lost.Add(int64(messages - j))
					}
					report("client %d (%s), message %d: %v after %d of %d bytes (%s)", i, ids[i], j, err, n, len(want), ftBrief(string(buf[:n])))
					return
				}
				if string(buf) != string(want) {
					corrupted.Add(1)
					lost.Add(int64(messages - j - 1)) // the stream is out of step: not sent
					report("client %d (%s), message %d: got %s, want %s", i, ids[i], j, ftBrief(string(buf)), ftBrief(string(want)))
					return
				}
				checked.Add(1)
			}
		}(i)
	}
	connected.Wait()
	connectTime := time.Since(start)
	trafficStart := time.Now()
	close(goAhead)
	finished.Wait()
	close(stopProgress)
	<-progressDone
	traffic := time.Since(trafficStart)
	elapsed := time.Since(start)

	total := int64(clients) * int64(messages)
	t.Logf("%s: %d clients x %d messages: %d replies checked byte for byte, %d lost (or not sent after a failure), %d corrupted; connecting %v, round trips %v (%.0f/s), in all %v (bound %v)",
		script, clients, messages, checked.Load(), lost.Load(), corrupted.Load(),
		connectTime.Round(time.Millisecond), traffic.Round(time.Millisecond),
		float64(checked.Load())/traffic.Seconds(), elapsed.Round(time.Millisecond), bound)
	for _, e := range errs {
		t.Error(e)
	}
	if elapsed > bound {
		t.Errorf("took %v, more than the bound %v", elapsed, bound)
	}
	if checked.Load() != total || lost.Load() != 0 || corrupted.Load() != 0 {
		t.Fatalf("%d of %d replies checked, %d lost, %d corrupted", checked.Load(), total, lost.Load(), corrupted.Load())
	}

	// Every client has closed: each must show in the log once each way.
	s.ftWaitLog(fmt.Sprintf("%d disconnects", clients), 60*time.Second, func(log string) bool {
		return ftCountDisconnects(log) >= clients
	})
	if !s.ftRunning() {
		t.Fatalf("the server ended (status %d); stderr:\n%s", s.code, s.Stderr())
	}
	s.ftStop()
	events := ftEventsByClient(s.Stdout())
	bad := 0
	for i, id := range ids {
		ev := events[id]
		if len(ev) != 2 || ev[0].kind != "connected" || ev[1].kind != "disconnected" || ev[1].why != "closed by client" {
			if bad < 10 {
				t.Errorf("client %d (%s): log shows %+v, want one connect then one disconnect (closed by client)", i, id, ev)
			}
			bad++
		}
	}
	if len(events) != clients || ftCountConnects(s.Stdout()) != clients || ftCountDisconnects(s.Stdout()) != clients {
		t.Errorf("log names %d clients with %d connects and %d disconnects, want %d of each (%d clients with a wrong story)",
			len(events), ftCountConnects(s.Stdout()), ftCountDisconnects(s.Stdout()), clients, bad)
	}
}
