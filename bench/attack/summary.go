package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// summary collects every phase's results for the final table.
type summary struct {
	jwt, hostile, tenancy      []attempt
	hostileFinal, tenancyFinal []string
	tpList, tpCreate, load     *loadResult
	loadAcked, loadLost        int
	loadUnlisted               int
	loadMissing                []string
	crash                      []crashResult
}

// classes counts attempts by answer class ("4xx", "5xx", "closed", ...).
func classes(at []attempt) map[string]int {
	c := map[string]int{}
	for _, a := range at {
		switch {
		case a.err != nil:
			c["transport error"]++
		case a.status == 0:
			c["closed"]++
		case a.status == 505:
			// net/http's answer to an HTTP version it does not speak, before
			// the app runs (RFC 9110 section 15.6.6): not a server failure.
			c["505 version not supported"]++
		default:
			c[fmt.Sprintf("%dxx", a.status/100)]++
		}
	}
	return c
}

func classString(c map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

func countNotes(at []attempt, prefix string) int {
	n := 0
	for _, a := range at {
		if strings.Contains(a.note, prefix) {
			n++
		}
	}
	return n
}

// report prints a phase's findings (every attempt with -v).
func report(out io.Writer, title string, at []attempt, verbose bool) {
	fmt.Fprintf(out, "\n%s: %d tried (%s)\n", title, len(at), classString(classes(at)))
	for _, a := range at {
		finding := a.status/100 == 5 || a.err != nil || (a.note != "" && !strings.HasPrefix(a.note, "no answer"))
		if verbose || finding {
			status := fmt.Sprint(a.status)
			if a.err != nil {
				status = "error: " + a.err.Error()
			} else if a.status == 0 {
				status = "closed"
			}
			fmt.Fprintf(out, "  %-70s %s %s\n", truncate(a.name, 70), status, a.note)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// printLoad prints a load run's throughput and latency per kind.
func printLoad(out io.Writer, title string, r *loadResult) {
	n, errs := r.total()
	fmt.Fprintf(out, "  %s: %d requests in %v = %.0f req/s, %d errors\n", title, n, r.elapsed.Round(time.Millisecond), float64(n)/r.elapsed.Seconds(), errs)
	if r.appCPU > 0 && n > 0 {
		fmt.Fprintf(out, "    app CPU %v per request (%v in all; load average %s)\n", (r.appCPU / time.Duration(n)).Round(time.Microsecond), r.appCPU.Round(10*time.Millisecond), r.loadAvg)
	}
	for _, k := range slices.Sorted(maps.Keys(r.ops)) {
		s := r.ops[k]
		fmt.Fprintf(out, "    %-7s %7d  %7.0f req/s  p50 %s  p99 %s  errors %d  statuses %v\n", k, s.n, float64(s.n)/r.elapsed.Seconds(), ms(s.pct(50)), ms(s.pct(99)), s.errs, s.statuses)
	}
}

// print writes the summary table and returns 1 if a security or
// durability target was missed.
func (s *summary) print(out io.Writer, o options) int {
	code := 0
	miss := func(bad bool) string {
		if bad {
			code = 1
			return "MISSED"
		}
		return "met"
	}
	fmt.Fprintln(out, "| Check | Tried | Result | Target |  |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	if s.jwt != nil {
		c := classes(s.jwt)
		accepted := c["2xx"] + c["3xx"]
		fmt.Fprintf(out, "| JWT attacks | %d | %d refused (%s) | all refused, 0 5xx | %s |\n", len(s.jwt), len(s.jwt)-accepted-c["5xx"]-c["transport error"], classString(c), miss(accepted+c["5xx"]+c["transport error"] > 0))
	}
	if s.hostile != nil {
		c := classes(s.hostile)
		changes := countNotes(s.hostile, "STATE CHANGED") + len(s.hostileFinal)
		fmt.Fprintf(out, "| hostile inputs | %d | %s; state changes %d | 0 5xx, 0 state changes | %s |\n", len(s.hostile), classString(c), changes, miss(c["5xx"]+changes+c["transport error"] > 0))
	}
	if s.tenancy != nil {
		leaks := countNotes(s.tenancy, "LEAK") + len(s.tenancyFinal)
		fmt.Fprintf(out, "| tenancy probes | %d | leaks %d (%s) | 0 leaks | %s |\n", len(s.tenancy), leaks, classString(classes(s.tenancy)), miss(leaks > 0))
	}
	tp := func(name string, r *loadResult, kind string, target float64) {
		if r == nil || r.ops[kind] == nil {
			return
		}
		st := r.ops[kind]
		rate := float64(st.n) / r.elapsed.Seconds()
		verdict := "met"
		if rate < target {
			verdict = "missed" // a speed target: reported, not an exit status
		}
		fmt.Fprintf(out, "| %s, %d conns, %v | %d | %.0f req/s, p50 %s, p99 %s, errors %d | ≥ %.0f req/s | %s |\n", name, o.conns, o.throughput, st.n, rate, ms(st.pct(50)), ms(st.pct(99)), st.errs, target, verdict)
	}
	tp("throughput: list", s.tpList, "list", 5000)
	tp("throughput: create", s.tpCreate, "create", 2500)
	if s.load != nil {
		n, errs := s.load.total()
		all := &opStats{}
		for _, st := range s.load.ops {
			all.merge(st)
		}
		fmt.Fprintf(out, "| mixed load, %d conns, %v | %d | %.0f req/s, p50 %s, p99 %s; errors %d; acknowledged creates %d, lost %d, unlisted %d | 0 errors, 0 lost | %s |\n",
			o.conns, o.load, n, float64(n)/s.load.elapsed.Seconds(), ms(all.pct(50)), ms(all.pct(99)), errs, s.loadAcked, s.loadLost, s.loadUnlisted, miss(errs+s.loadLost+s.loadUnlisted > 0))
	}
	for _, c := range s.crash {
		fmt.Fprintf(out, "| kill -9 %s under %d writers | %d acknowledged | %d present, %d lost (%d not acknowledged); serving again in %v | 0 lost | %s |\n",
			c.what, o.crashWriters, c.acked, c.present, c.lost, c.failed, c.recovery.Round(time.Millisecond), miss(c.lost+c.unlisted > 0))
	}
	return code
}
