package main

import (
	"fmt"
	"os/exec"
	"sort"
	"time"
)

// startupCmd is one command whose start-up time is measured.
type startupCmd struct {
	label string
	prog  string
	args  []string
	skip  string
}

// startupResult holds the wall-clock times of running it.
type startupResult struct {
	median, min time.Duration
	err         string
}

// measureStartups runs each command (fork, exec, wait, from this process,
// output to /dev/null) three times to warm the page cache, then runs times
// more, the commands taking turns so that whatever else the machine does
// affects them alike, and returns each one's median and fastest run.
func measureStartups(cmds []startupCmd, runs int, q *quiet) []startupResult {
	res := make([]startupResult, len(cmds))
	times := make([][]time.Duration, len(cmds))
	run := func(c startupCmd) (time.Duration, error) {
		cmd := exec.Command(c.prog, c.args...)
		t := time.Now()
		err := cmd.Run()
		d := time.Since(t)
		if err != nil {
			out, _ := exec.Command(c.prog, c.args...).CombinedOutput()
			return d, fmt.Errorf("%v: %s", err, out)
		}
		return d, nil
	}
	for i, c := range cmds {
		if c.skip != "" {
			res[i].err = c.skip
		}
	}
	for r := -3; r < runs; r++ {
		if r >= 0 && r%10 == 0 {
			q.wait()
		}
		for i, c := range cmds {
			if res[i].err != "" {
				continue
			}
			d, err := run(c)
			if err != nil {
				res[i].err = err.Error()
				continue
			}
			if r >= 0 {
				times[i] = append(times[i], d)
			}
		}
	}
	for i := range cmds {
		t := times[i]
		if res[i].err != "" || len(t) == 0 {
			continue
		}
		sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
		res[i].min = t[0]
		res[i].median = t[len(t)/2]
		if len(t)%2 == 0 {
			res[i].median = (t[len(t)/2-1] + t[len(t)/2]) / 2
		}
	}
	return res
}
