// Command bench measures sockrun's two servers (scripts/server.lua and
// scripts/concurrent_server.lua) side by side with a PHP select() server and
// a plain Go server, with its own load generator, and prints a table with
// ratios and the project's targets. Run it from the repository:
//
//	go run ./bench            # the full run, a few minutes
//	go run ./bench -quick     # a short run
//	go run ./bench goserver [ADDRESS [PORT]]   # just the Go server
//
// See bench/README.md.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type env struct {
	root       string // the repository
	self       string // this program, for the goserver subcommand
	sockrun    string
	sockrunErr string
	php        string
	phpErr     string
	lua        string
	luaErr     string
	// luaSocketErr says why lua5.4 cannot run the LuaSocket server.
	luaSocketErr string
}

func (e *env) path(rel string) string { return filepath.Join(e.root, rel) }

// scenario is one load.
type scenario struct {
	label  string
	active int // clients in the closed loop
	idle   int // clients held open, silent, while they run
	bulk   bool
}

// cell is one server's result under one load.
type cell struct {
	value     float64   // median of the rounds: msgs/s, or MB/s for bulk
	rounds    []float64 // each round's figure
	errs      int       // clients that failed during the run
	note      string    // the first of those failures
	failed    string    // why there is no figure
	skipped   string    // why the server was not run
	rssBefore int64
	rssAfter  int64
	idleHeld  int

	work      float64       // messages (or MB) measured, over all rounds
	serverCPU time.Duration // the server's CPU time over the measured rounds
	selfCPU   time.Duration // the load generator's
	other     float64       // mean fraction of the machine other processes used
	wall      time.Duration
}

func (c cell) ok() bool { return c.failed == "" && c.skipped == "" && c.value > 0 }

type options struct {
	duration, warmup, idleLimit time.Duration
	clients, idle               []int
	idleActive                  int
	rounds                      int
	bulkMiB                     int
	startupRuns                 int
	servers                     map[string]bool
	install                     bool
	quiet                       *quiet
	sockrun                     string
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "goserver":
			os.Exit(goServer(os.Args[2:]))
		case "idleholder":
			os.Exit(idleHolder(os.Args[2:]))
		}
	}
	os.Exit(run())
}

func run() int {
	var o options
	quick := flag.Bool("quick", false, "a short run: 1 s per load after 0.3 s warm-up, 32 MiB bulk, 10 start-ups")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "measured time per closed-loop load")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each measured time")
	flag.DurationVar(&o.idleLimit, "idle-timeout", 60*time.Second, "give up on a server that has not taken all its idle clients within this")
	clients := flag.String("clients", "1,8,100", "active client counts (closed loop, no idle clients)")
	idle := flag.String("idle", "1000,10000", "idle client counts, each with -idle-active active clients")
	flag.IntVar(&o.idleActive, "idle-active", 8, "active clients while idle ones are held")
	flag.IntVar(&o.rounds, "rounds", 5, "slices per load: the servers take turns, each -duration/rounds at a time; the median slice counts")
	flag.IntVar(&o.bulkMiB, "bulk", 256, "MiB echoed through one connection for the bulk figure (0: skip)")
	flag.IntVar(&o.startupRuns, "startup-runs", 30, "runs per start-up time (0: skip)")
	servers := flag.String("servers", "server.lua,concurrent,php,luasocket,luasocket-sockrun,go", "servers to run")
	quietMax := flag.Duration("quiet-wait", 2*time.Second, "before each round, wait up to this long for other processes to use < 25% of the machine (0: never)")
	quietBudget := flag.Duration("quiet-budget", 30*time.Second, "most time spent in -quiet-wait over the whole run")
	flag.BoolVar(&o.install, "install", false, "apt-get install php-cli and lua5.4 if missing (as root)")
	flag.StringVar(&o.sockrun, "sockrun", "", "use this sockrun binary instead of building one")
	procs := flag.Int("procs", 0, "GOMAXPROCS of the load generator (0: Go's default, all CPUs); the servers keep theirs")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./bench [flags]\n       go run ./bench goserver [ADDRESS [PORT]]\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		return 2
	}
	o.quiet = &quiet{max: *quietMax, budget: *quietBudget}
	if *procs > 0 {
		goruntime.GOMAXPROCS(*procs)
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["duration"] {
			o.duration = time.Second
		}
		if !set["warmup"] {
			o.warmup = 300 * time.Millisecond
		}
		if !set["bulk"] {
			o.bulkMiB = 32
		}
		if !set["startup-runs"] {
			o.startupRuns = 10
		}
	}
	var err error
	if o.clients, err = intList(*clients); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -clients:", err)
		return 2
	}
	if o.idle, err = intList(*idle); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -idle:", err)
		return 2
	}
	o.servers = map[string]bool{}
	for _, s := range strings.Split(*servers, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		known := false
		for _, k := range serverKinds {
			known = known || k.key == s
		}
		if !known {
			fmt.Fprintf(os.Stderr, "bench: unknown server %q (server.lua, concurrent, php, go)\n", s)
			return 2
		}
		o.servers[s] = true
	}

	// Tens of thousands of sockets: raise the open-file limit to the hard
	// limit (the servers and idle-client helpers, started from here, inherit it).
	nofile := raiseNofile()
	if o.rounds < 1 {
		o.rounds = 1
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		killCurrent()
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		os.Exit(130)
	}()

	e, err := setup(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if e.sockrun != "" && o.sockrun == "" {
		defer os.RemoveAll(filepath.Dir(e.sockrun))
	}
	begin := time.Now()

	// Start-up of an empty script.
	var startups []startupCmd
	var startupRes []startupResult
	if o.startupRuns > 0 {
		startups = []startupCmd{
			{label: "sockrun -e ''", prog: e.sockrun, args: []string{"-e", ""}, skip: e.sockrunErr},
			{label: "lua5.4 -e ''", prog: e.lua, args: []string{"-e", ""}, skip: e.luaErr},
			{label: "php -r ''", prog: e.php, args: []string{"-r", ""}, skip: e.phpErr},
			{label: "/bin/true (exec floor)", prog: "/bin/true"},
		}
		startupRes = measureStartups(startups, o.startupRuns, o.quiet)
		for i, c := range startups {
			if r := startupRes[i]; r.err != "" {
				fmt.Fprintf(os.Stderr, "startup %-24s skipped: %s\n", c.label, r.err)
			} else {
				fmt.Fprintf(os.Stderr, "startup %-24s median %v\n", c.label, r.median.Round(10*time.Microsecond))
			}
		}
	}

	// The loads, each on a fresh server, the servers side by side per load.
	var scenarios []scenario
	for _, n := range o.clients {
		scenarios = append(scenarios, scenario{label: plural(n, "client"), active: n})
	}
	for _, n := range o.idle {
		scenarios = append(scenarios, scenario{label: fmt.Sprintf("%d + %s idle", o.idleActive, commas(int64(n))), active: o.idleActive, idle: n})
	}
	if o.bulkMiB > 0 {
		scenarios = append(scenarios, scenario{label: fmt.Sprintf("bulk MB/s (%d MiB, 1 conn)", o.bulkMiB), bulk: true})
	}
	var kinds []*serverKind
	for _, k := range serverKinds {
		if o.servers[k.key] {
			kinds = append(kinds, k)
		}
	}
	results := make([][]cell, len(scenarios))
	for i, sc := range scenarios {
		fmt.Fprintf(os.Stderr, "== %s\n", sc.label)
		results[i] = runScenario(e, o, kinds, sc)
		for j, k := range kinds {
			fmt.Fprintf(os.Stderr, "%-28s %-22s %s\n", sc.label, k.label, cellText(results[i][j], nil))
		}
	}

	report(os.Stdout, e, o, nofile, time.Since(begin), startups, startupRes, scenarios, kinds, results)
	return 0
}

// live is one server under a load.
type live struct {
	k *serverKind
	s *server
	h *holder
	g *group
	c *cell
}

// note adds the server's first warning to msg.
func (l *live) withNote(msg string) string {
	if n := l.s.firstNote(); n != "" && !strings.Contains(msg, n) {
		return msg + "; server said: " + n
	}
	return msg
}

// fail records why the server has no figure: its end if it has just died
// (given a moment to be seen), else err with its first warning; and stops it.
func (l *live) fail(err error) {
	select {
	case <-l.s.exited:
	case <-time.After(500 * time.Millisecond):
	}
	if why := l.s.dead(); why != "" {
		l.c.failed = why + " (the benchmark saw: " + err.Error() + ")"
	} else {
		l.c.failed = l.withNote(err.Error())
	}
	// A failed server must not go on using CPU (say, still accepting idle
	// clients) while the others are measured.
	l.s.stop()
	l.h.close()
}

// runScenario applies one load to every server: each is started fresh (and
// given its idle clients), then they take turns in short slices, so that
// whatever else the machine does affects them alike.
func runScenario(e *env, o options, kinds []*serverKind, sc scenario) []cell {
	cells := make([]cell, len(kinds))
	var lives []*live
	defer func() {
		for _, l := range lives {
			if why := l.s.dead(); why != "" && l.c.failed == "" {
				l.c.failed = why
			}
			l.s.stop() // first: a server busy with 10,000 disconnects would be slow to stop
			l.h.close()
		}
	}()
	for j, k := range kinds {
		c := &cells[j]
		s, err := startServer(k, e)
		if err != nil {
			if _, _, skip := k.command(e); skip != "" {
				c.skipped = skip
			} else {
				c.failed = "start: " + err.Error()
			}
			continue
		}
		l := &live{k: k, s: s, c: c}
		lives = append(lives, l)
		// One exchange first, so that the RSS baseline is a server that has
		// served a client.
		if conn, err := dialClient(s.addr, 10*time.Second); err != nil {
			l.fail(err)
			continue
		} else {
			err = exchange(conn, []byte("first\n"))
			conn.Close()
			if err != nil {
				l.fail(err)
				continue
			}
		}
		if sc.idle > 0 {
			time.Sleep(100 * time.Millisecond)
			c.rssBefore, _ = rss(s.pid)
			fmt.Fprintf(os.Stderr, "  %s: opening %s idle clients\n", k.label, commas(int64(sc.idle)))
			h, err := startHolder(e, s.addr, sc.idle, o.idleLimit, func(p string) {
				fmt.Fprintf(os.Stderr, "    ... %s\n", p)
			})
			l.h = h
			if err != nil {
				l.fail(err)
				continue
			}
			time.Sleep(200 * time.Millisecond)
			c.rssAfter, _ = rss(s.pid)
			c.idleHeld = sc.idle
		}
	}
	running := func() []*live {
		var out []*live
		for _, l := range lives {
			if l.c.failed == "" {
				out = append(out, l)
			}
		}
		return out
	}
	// in turn visits the servers still running, starting with a different
	// one each round.
	inTurn := func(round int, f func(l *live)) {
		ls := running()
		for i := range ls {
			f(ls[(i+round)%len(ls)])
		}
	}

	if sc.bulk {
		per := (int64(o.bulkMiB) << 20) / int64(o.rounds)
		for r := 0; r < o.rounds; r++ {
			inTurn(r, func(l *live) {
				o.quiet.wait()
				a := snapCPU(l.s.pid)
				t := time.Now()
				mbps, err := runBulk(l.s, per, 60000, 512<<10, 90*time.Second)
				if err != nil {
					l.fail(err)
					return
				}
				l.c.add(mbps, float64(per)/1e6, time.Since(t), spanCPU(a, snapCPU(l.s.pid)))
			})
		}
	} else {
		for _, l := range running() {
			g, err := newGroup(l.s, sc.active)
			if err != nil {
				l.fail(err)
				continue
			}
			l.g = g
		}
		for _, l := range running() {
			l.g.resume()
			time.Sleep(o.warmup)
			l.g.pause()
		}
		slice := o.duration / time.Duration(o.rounds)
		for r := 0; r < o.rounds; r++ {
			inTurn(r, func(l *live) {
				o.quiet.wait()
				l.g.resume()
				time.Sleep(min(100*time.Millisecond, o.warmup))
				a, m0, t0 := snapCPU(l.s.pid), l.g.msgs(), time.Now()
				time.Sleep(slice)
				b, m1, t1 := snapCPU(l.s.pid), l.g.msgs(), time.Now()
				l.g.pause()
				l.c.add(float64(m1-m0)/t1.Sub(t0).Seconds(), float64(m1-m0), t1.Sub(t0), spanCPU(a, b))
			})
		}
		for _, l := range lives {
			if l.g == nil {
				continue
			}
			l.g.close()
			errs := l.g.failures()
			l.c.errs = len(errs)
			if len(errs) > 0 {
				l.c.note = l.withNote(errs[0])
			}
			if l.h != nil && l.c.failed == "" {
				if err := l.h.ping(); err != nil {
					l.c.errs++
					if l.c.note == "" {
						l.c.note = l.withNote(err.Error())
					}
				}
			}
			if l.c.failed == "" && l.c.work == 0 {
				l.c.failed = "no replies in the measured time"
				if l.c.note != "" {
					l.c.failed += ": " + l.c.note
				}
			}
		}
	}
	for _, l := range lives {
		l.c.value = median(l.c.rounds)
	}
	return cells
}

// add records one measured slice.
func (c *cell) add(rate, work float64, wall time.Duration, sp cpuSpan) {
	c.rounds = append(c.rounds, rate)
	c.work += work
	c.wall += wall
	c.serverCPU += sp.server
	c.selfCPU += sp.self
	c.other += sp.other * wall.Seconds()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// setup finds the repository, builds sockrun and looks for php and lua5.4.
func setup(o options) (*env, error) {
	e := &env{}
	var err error
	if e.self, err = os.Executable(); err != nil {
		return nil, err
	}
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(data), "module sockrun") {
			e.root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			return nil, fmt.Errorf("run me inside the sockrun repository (no go.mod of module sockrun above %s)", wd)
		}
	}

	if o.install {
		installMissing()
	}

	if o.sockrun != "" {
		e.sockrun, _ = filepath.Abs(o.sockrun)
	} else {
		dir, err := os.MkdirTemp("", "sockrun-bench-")
		if err != nil {
			return nil, err
		}
		// The go command on PATH builds the binary under test (runtime.GOROOT
		// is deprecated: it names the build machine's tree).
		goTool, err := exec.LookPath("go")
		if err != nil {
			return nil, fmt.Errorf("building sockrun: %w (or pass one with -sockrun)", err)
		}
		bin := filepath.Join(dir, "sockrun")
		fmt.Fprintf(os.Stderr, "building sockrun: go build -o %s .\n", bin)
		cmd := exec.Command(goTool, "build", "-o", bin, ".")
		cmd.Dir = e.root
		if out, err := cmd.CombinedOutput(); err != nil {
			e.sockrunErr = fmt.Sprintf("go build failed: %v: %s", err, strings.TrimSpace(string(out)))
			fmt.Fprintln(os.Stderr, "bench:", e.sockrunErr)
		} else {
			e.sockrun = bin
		}
	}

	if p, err := exec.LookPath("php"); err != nil {
		e.phpErr = "php not found (apt-get install php-cli, or run with -install as root)"
	} else if out, err := exec.Command(p, "-r", `exit(function_exists("socket_create") ? 0 : 3);`).CombinedOutput(); err != nil {
		e.phpErr = fmt.Sprintf("php has no sockets extension (%v %s)", err, strings.TrimSpace(string(out)))
	} else {
		e.php = p
	}
	if p, err := exec.LookPath("lua5.4"); err != nil {
		e.luaErr = "lua5.4 not found (apt-get install lua5.4, or run with -install as root)"
	} else {
		e.lua = p
		if out, err := exec.Command(p, "-e", `require("socket")`).CombinedOutput(); err != nil {
			e.luaSocketErr = fmt.Sprintf("lua5.4 has no LuaSocket (apt-get install lua-socket): %s", strings.TrimSpace(string(out)))
		}
	}
	for _, why := range []string{e.phpErr, e.luaErr, e.luaSocketErr} {
		if why != "" {
			fmt.Fprintln(os.Stderr, "bench: skipping:", why)
		}
	}
	return e, nil
}

// installMissing installs php-cli and lua5.4 with apt-get when missing.
func installMissing() {
	var pkgs []string
	if _, err := exec.LookPath("php"); err != nil {
		pkgs = append(pkgs, "php-cli")
	}
	if _, err := exec.LookPath("lua5.4"); err != nil {
		pkgs = append(pkgs, "lua5.4")
	}
	if exec.Command("lua5.4", "-e", `require("socket")`).Run() != nil {
		pkgs = append(pkgs, "lua-socket")
	}
	if len(pkgs) == 0 {
		return
	}
	if os.Geteuid() != 0 {
		fmt.Fprintf(os.Stderr, "bench: -install needs root; install %s yourself\n", strings.Join(pkgs, " "))
		return
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		fmt.Fprintf(os.Stderr, "bench: -install needs apt-get; install %s yourself\n", strings.Join(pkgs, " "))
		return
	}
	fmt.Fprintf(os.Stderr, "bench: apt-get install -y %s\n", strings.Join(pkgs, " "))
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y"}, pkgs...)} {
		cmd := exec.Command("apt-get", args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: apt-get %s: %v\n", args[0], err)
			return
		}
	}
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return commas(int64(n)) + " " + what + "s"
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// machine describes where the run happened.
func machine() string {
	cpu := "?"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
				break
			}
		}
		f.Close()
	}
	kernel := "?"
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%d CPUs (%s), Linux %s, %s", goruntime.NumCPU(), cpu, kernel, goruntime.Version())
}
