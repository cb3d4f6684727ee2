package main

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// notes collects the footnotes of a report.
type notes struct{ list []string }

func (n *notes) add(text string) string {
	if n == nil {
		return ""
	}
	for i, t := range n.list {
		if t == text {
			return fmt.Sprintf(" [%d]", i+1)
		}
	}
	n.list = append(n.list, text)
	return fmt.Sprintf(" [%d]", len(n.list))
}

// cellText is a result as a table cell; with n nil, reasons are inline.
func cellText(c cell, n *notes) string {
	inline := func(label, why string) string {
		if n == nil {
			return label + ": " + why
		}
		return label + n.add(why)
	}
	switch {
	case c.skipped != "":
		return inline("skipped", c.skipped)
	case c.failed != "":
		return inline("FAILED", c.failed)
	}
	s := number(c.value)
	if c.errs > 0 {
		s += inline(fmt.Sprintf(" (%d err)", c.errs), c.note)
	}
	return s
}

func number(v float64) string {
	switch {
	case v >= 100:
		return commas(int64(v + 0.5))
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func ratio(a, b cell) (float64, bool) {
	if !a.ok() || !b.ok() {
		return 0, false
	}
	return a.value / b.value, true
}

func ratioText(a, b cell) string {
	if r, ok := ratio(a, b); ok {
		return fmt.Sprintf("%.2f×", r)
	}
	return "—"
}

// perConn is the RSS growth per idle client, in KB (1024 bytes, as
// /proc reports), or false when the server did not hold them.
func perConn(c cell) (float64, bool) {
	if c.idleHeld == 0 || c.rssBefore == 0 || c.rssAfter == 0 {
		return 0, false
	}
	return float64(c.rssAfter-c.rssBefore) / 1024 / float64(c.idleHeld), true
}

func version(prog string, args ...string) string {
	if prog == "" {
		return "not installed"
	}
	out, err := exec.Command(prog, args...).CombinedOutput()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func report(w io.Writer, e *env, o options, nofile uint64, elapsed time.Duration,
	startups []startupCmd, startupRes []startupResult,
	scenarios []scenario, kinds []*serverKind, results [][]cell) {
	n := &notes{}
	col := map[string]int{}
	for j, k := range kinds {
		col[k.key] = j
	}
	get := func(i int, key string) cell {
		j, ok := col[key]
		if !ok || i < 0 {
			return cell{skipped: "not run (-servers)"}
		}
		return results[i][j]
	}
	find := func(pred func(scenario) bool) int {
		for i, sc := range scenarios {
			if pred(sc) {
				return i
			}
		}
		return -1
	}

	fmt.Fprintf(w, "## sockrun benchmark\n\n")
	fmt.Fprintf(w, "%s; open-file limit %d. Each load: a fresh server per column, %v warm-up each, then %d rounds in which the servers take turns for %v each (median round shown); run took %v, of which %v waiting for other processes to quiet down.\n",
		machine(), nofile, o.warmup, o.rounds, (o.duration / time.Duration(o.rounds)).Round(time.Millisecond), elapsed.Round(time.Second), o.quiet.waited.Round(100*time.Millisecond))
	fmt.Fprintf(w, "php: %s. lua5.4: %s.\n\n", version(e.php, "-v"), version(e.lua, "-v"))
	for _, k := range kinds {
		fmt.Fprintf(w, "- **%s**: %s\n", k.label, k.desc)
	}
	fmt.Fprintln(w)
	var otherSum, wallSum float64
	for _, r := range results {
		for _, c := range r {
			otherSum += c.other
			wallSum += c.wall.Seconds()
		}
	}
	if wallSum > 0 && otherSum/wallSum > 0.15 {
		fmt.Fprintf(w, "**Caution:** other processes used %.0f%% of the machine while this ran (see \"others' CPU\"): messages/s are lower and noisier than on a quiet machine. The CPU time per message is the steadier comparison.\n\n", 100*otherSum/wallSum)
	}

	// Throughput.
	fmt.Fprintf(w, "### Throughput (messages/s, closed loop; bulk in MB/s)\n\n")
	head := []string{"load"}
	for _, k := range kinds {
		head = append(head, k.label)
	}
	type ratioCol struct{ label, a, b string }
	ratios := []ratioCol{
		{"server.lua / PHP", "server.lua", "php"},
		{"concurrent / Go", "concurrent", "go"},
		{"concurrent / server.lua", "concurrent", "server.lua"},
		{"server.lua / Go", "server.lua", "go"},
		{"PHP / Go", "php", "go"},
	}
	var shown []ratioCol
	for _, r := range ratios {
		_, okA := col[r.a]
		_, okB := col[r.b]
		if okA && okB {
			shown = append(shown, r)
			head = append(head, r.label)
		}
	}
	head = append(head, "others' CPU")
	row(w, head...)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
		if i > 0 {
			sep[i] = "---:"
		}
	}
	row(w, sep...)
	for i, sc := range scenarios {
		cells := []string{sc.label}
		for j := range kinds {
			cells = append(cells, cellText(results[i][j], n))
		}
		for _, r := range shown {
			cells = append(cells, ratioText(get(i, r.a), get(i, r.b)))
		}
		cells = append(cells, othersText(results[i]))
		row(w, cells...)
	}
	fmt.Fprintf(w, "\n\"others' CPU\" is the share of the whole machine that processes other than the server and the load generator used while the row was measured (it should be near 0%%).\n\n")

	// CPU per message.
	fmt.Fprintf(w, "### CPU time per message (µs; bulk: ms per MB) — server, and the load generator (mean of the row)\n\n")
	head = []string{"load"}
	for _, k := range kinds {
		head = append(head, k.label)
	}
	var cpuRatios []ratioCol
	for _, r := range ratios[:3] {
		if _, ok := col[r.a]; ok {
			if _, ok := col[r.b]; ok {
				cpuRatios = append(cpuRatios, r)
				head = append(head, r.label)
			}
		}
	}
	head = append(head, "load generator")
	row(w, head...)
	row(w, sep[:len(head)]...)
	for i, sc := range scenarios {
		cells := []string{sc.label}
		scale := 1e6 // µs per message
		if sc.bulk {
			scale = 1e3 // ms per MB
		}
		per := func(c cell, d time.Duration) (float64, bool) {
			if !c.ok() || c.work <= 0 {
				return 0, false
			}
			return d.Seconds() * scale / c.work, true
		}
		var genSum float64
		var genN int
		for j := range kinds {
			c := results[i][j]
			if v, ok := per(c, c.serverCPU); ok {
				cells = append(cells, fmt.Sprintf("%.1f", v))
			} else {
				cells = append(cells, "—")
			}
			if v, ok := per(c, c.selfCPU); ok {
				genSum += v
				genN++
			}
		}
		for _, r := range cpuRatios {
			a, b := get(i, r.a), get(i, r.b)
			va, okA := per(a, a.serverCPU)
			vb, okB := per(b, b.serverCPU)
			if okA && okB && vb > 0 {
				cells = append(cells, fmt.Sprintf("%.2f×", va/vb))
			} else {
				cells = append(cells, "—")
			}
		}
		if genN > 0 {
			cells = append(cells, fmt.Sprintf("%.1f", genSum/float64(genN)))
		} else {
			cells = append(cells, "—")
		}
		row(w, cells...)
	}
	fmt.Fprintf(w, "\nServer CPU is user+system time of all its threads (/proc/PID/stat, 10 ms ticks) over the measured rounds; the ratio columns compare CPU per message (lower is cheaper).\n\n")

	// Memory.
	var idleRows []int
	for i, sc := range scenarios {
		if sc.idle > 0 {
			idleRows = append(idleRows, i)
		}
	}
	if len(idleRows) > 0 {
		fmt.Fprintf(w, "### RSS per idle connection (KB = 1024 B; VmRSS after opening N idle clients minus before, / N)\n\n")
		head := []string{"idle clients"}
		for _, k := range kinds {
			head = append(head, k.label)
		}
		row(w, head...)
		row(w, sep[:len(head)]...)
		for _, i := range idleRows {
			cells := []string{commas(int64(scenarios[i].idle))}
			for j := range kinds {
				c := results[i][j]
				if kb, ok := perConn(c); ok {
					cells = append(cells, fmt.Sprintf("%.1f KB (%.1f → %.1f MB)", kb, float64(c.rssBefore)/(1<<20), float64(c.rssAfter)/(1<<20)))
				} else {
					cells = append(cells, cellText(c, n))
				}
			}
			row(w, cells...)
		}
		fmt.Fprintln(w)
	}

	// Start-up.
	var phpStart startupResult
	for i, c := range startups {
		if strings.HasPrefix(c.label, "php") {
			phpStart = startupRes[i]
		}
	}
	if len(startups) > 0 {
		fmt.Fprintf(w, "### Start-up of an empty script (wall clock of fork+exec+wait from Go, %d runs)\n\n", o.startupRuns)
		row(w, "command", "median", "fastest", "vs php -r ''")
		row(w, "---", "---:", "---:", "---:")
		for i, c := range startups {
			r := startupRes[i]
			if r.err != "" {
				row(w, "`"+c.label+"`", "skipped"+n.add(r.err), "", "")
				continue
			}
			vs := "—"
			if phpStart.err == "" && phpStart.median > 0 {
				vs = fmt.Sprintf("%.2f×", float64(r.median)/float64(phpStart.median))
			}
			row(w, "`"+c.label+"`", ms(r.median), ms(r.min), vs)
		}
		fmt.Fprintln(w)
	}

	// Targets.
	fmt.Fprintf(w, "### Targets\n\n")
	row(w, "target", "measured", "")
	row(w, "---", "---", "---")
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "MISS"
	}
	i8 := find(func(sc scenario) bool { return sc.active == 8 && sc.idle == 0 && !sc.bulk })
	i1k := find(func(sc scenario) bool { return sc.idle == 1000 })
	i10k := find(func(sc scenario) bool { return sc.idle == 10000 })
	iBulk := find(func(sc scenario) bool { return sc.bulk })
	// cpuTarget: a's CPU time per message (or per MB) is at most max times b's.
	cpuTarget := func(label string, i int, a, b string, max float64) {
		if i < 0 {
			row(w, label, "not measured (load not run)", "n/a")
			return
		}
		ca, cb := get(i, a), get(i, b)
		if !ca.ok() || !cb.ok() || ca.work <= 0 || cb.work <= 0 || ca.serverCPU <= 0 || cb.serverCPU <= 0 {
			row(w, label, fmt.Sprintf("not measured: %s %s, %s %s", a, strings.TrimSpace(cellText(ca, n)), b, strings.TrimSpace(cellText(cb, n))), "n/a")
			return
		}
		pa, pb := ca.serverCPU.Seconds()/ca.work, cb.serverCPU.Seconds()/cb.work
		unit, scale := "µs", 1e6
		if scenarios[i].bulk {
			unit, scale = "ms/MB", 1e3
		}
		r := pa / pb
		row(w, label, fmt.Sprintf("%.2f× (%.1f vs %.1f %s)", r, pa*scale, pb*scale, unit), verdict(r <= max))
	}
	cpuTarget("server.lua CPU/message ≤ 1.3× PHP's, 8 clients", i8, "server.lua", "php", 1.3)
	cpuTarget("server.lua CPU/message ≤ 0.8× PHP's, 8 clients + 1,000 idle", i1k, "server.lua", "php", 0.8)
	for _, sc := range []struct {
		i     int
		label string
	}{{i8, "8 clients"}, {i1k, "8 clients + 1,000 idle"}, {i10k, "8 clients + 10,000 idle"}} {
		cpuTarget("server.lua CPU/message ≤ LuaSocket select's (lua5.4), "+sc.label, sc.i, "server.lua", "luasocket", 1)
	}
	cpuTarget("concurrent_server.lua CPU/message ≤ 1.3× Go's, 8 clients", i8, "concurrent", "go", 1.3)
	cpuTarget("concurrent_server.lua CPU/message ≤ 1.3× Go's, 8 clients + 10,000 idle", i10k, "concurrent", "go", 1.3)
	cpuTarget("server.lua bulk echo CPU/MB ≤ 1.5× PHP's", iBulk, "server.lua", "php", 1.5)
	cpuTarget("concurrent_server.lua bulk echo CPU/MB ≤ 1.5× PHP's", iBulk, "concurrent", "php", 1.5)
	// Memory target at the most idle clients concurrent_server.lua held.
	memDone := false
	for k := len(idleRows) - 1; k >= 0 && !memDone; k-- {
		c := get(idleRows[k], "concurrent")
		if kb, ok := perConn(c); ok {
			row(w, "concurrent_server.lua ≤ 6 KB RSS per idle connection", fmt.Sprintf("%.1f KB at %s idle", kb, commas(int64(c.idleHeld))), verdict(kb <= 6))
			memDone = true
		}
	}
	if !memDone {
		row(w, "concurrent_server.lua ≤ 6 KB RSS per idle connection", "not measured", "n/a")
	}
	var srStart startupResult
	srStart.err = "not measured"
	for i, c := range startups {
		if strings.HasPrefix(c.label, "sockrun") {
			srStart = startupRes[i]
		}
	}
	if srStart.err == "" {
		row(w, "`sockrun -e ''` start-up ≤ 3 ms", ms(srStart.median)+" median", verdict(srStart.median <= 3*time.Millisecond))
		if phpStart.err == "" {
			r := float64(srStart.median) / float64(phpStart.median)
			row(w, "`sockrun -e ''` start-up ≤ 0.3× `php -r ''`", fmt.Sprintf("%.2f× (%s vs %s)", r, ms(srStart.median), ms(phpStart.median)), verdict(r <= 0.3))
		} else {
			row(w, "`sockrun -e ''` start-up ≤ 0.3× `php -r ''`", "php not measured", "n/a")
		}
	} else {
		row(w, "`sockrun -e ''` start-up ≤ 3 ms", srStart.err, "n/a")
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "<details><summary>Each round</summary>\n\n")
	row(w, "load", "server", "rounds")
	row(w, "---", "---", "---")
	for i, sc := range scenarios {
		for j, k := range kinds {
			c := results[i][j]
			if len(c.rounds) == 0 {
				continue
			}
			var parts []string
			for _, v := range c.rounds {
				parts = append(parts, number(v))
			}
			row(w, sc.label, k.label, strings.Join(parts, ", "))
		}
	}
	fmt.Fprintf(w, "\n</details>\n\n")

	if len(n.list) > 0 {
		fmt.Fprintf(w, "Notes:\n\n")
		for i, t := range n.list {
			fmt.Fprintf(w, "%d. %s\n", i+1, strings.ReplaceAll(t, "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
}

// othersText is the mean share of the machine other processes used while a
// row was measured.
func othersText(cells []cell) string {
	var sum, wall float64
	for _, c := range cells {
		sum += c.other
		wall += c.wall.Seconds()
	}
	if wall == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*sum/wall)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "|", "\\|")
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}
