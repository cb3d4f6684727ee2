package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU accounting around a measurement: the server's CPU time (all its
// threads, /proc/PID/stat), this process's (getrusage), and the whole
// machine's busy time (/proc/stat), so that what other processes used in the
// meantime can be reported next to the figures.

const clockTick = 10 * time.Millisecond // USER_HZ is 100 on Linux

type cpuSnap struct {
	server      time.Duration
	self        time.Duration
	busy, total int64 // /proc/stat ticks, all CPUs
}

func snapCPU(pid int) cpuSnap {
	var s cpuSnap
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the ")" that closes the command name: state is
		// field 3, utime 14, stime 15.
		str := string(data)
		if i := strings.LastIndexByte(str, ')'); i >= 0 {
			f := strings.Fields(str[i+1:])
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.server = time.Duration(u+st) * clockTick
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		f := strings.Fields(line)
		for i := 1; i < len(f); i++ {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			if i == 9 || i == 10 { // guest time is already in user
				continue
			}
			s.total += v
			// Not busy: idle, iowait; nor irq and softirq, where the
			// kernel's loopback TCP work for our own traffic is counted.
			if i != 4 && i != 5 && i != 6 && i != 7 {
				s.busy += v
			}
		}
	}
	return s
}

// cpuSpan is what was used between two snapshots.
type cpuSpan struct {
	server, self time.Duration
	other        float64 // fraction of all CPUs used by other processes
}

func spanCPU(a, b cpuSnap) cpuSpan {
	sp := cpuSpan{server: b.server - a.server, self: b.self - a.self}
	if total := b.total - a.total; total > 0 {
		others := float64(b.busy-a.busy) - float64(sp.server+sp.self)/float64(clockTick)
		sp.other = max(0, others/float64(total))
	}
	return sp
}

// quiet waits, before a measurement, until other processes use less than a
// quarter of the machine, for at most max each time and budget in all.
type quiet struct {
	max, budget, waited time.Duration
}

func (q *quiet) wait() {
	if q == nil || q.max <= 0 {
		return
	}
	start := time.Now()
	for {
		a := snapCPU(0)
		time.Sleep(200 * time.Millisecond)
		sp := spanCPU(a, snapCPU(0))
		spent := time.Since(start)
		if sp.other < 0.25 || spent >= q.max || q.waited+spent >= q.budget {
			q.waited += spent
			return
		}
	}
}
