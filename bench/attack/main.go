// Command attack runs the to-do app under `faas dev` through the attacks
// and loads of issue #12 and the throughput runs of issue #13, against
// loopback only, and prints a summary table:
//
//   - JWT attacks (forged, confused, tampered, expired, oversized tokens):
//     every one must be refused;
//   - hostile inputs (bad JSON, bad text, path and attachment-name tricks,
//     header and protocol abuse): counted by answer class, with the user's
//     state compared before and after each (targets: 0 5xx, 0 state
//     changes);
//   - tenancy probes (other users reading, changing, deleting and
//     attaching to alice's to-dos by ID, cursor and attachment path):
//     leaks (target 0);
//   - throughput: list reads and durable creates at -conns connections,
//     with p50/p99;
//   - mixed read/write load for -load at -conns connections: errors and
//     lost writes (every acknowledged create must be readable after);
//   - kill -9 of the app child, of the CLI, and of both, under write
//     load: acknowledged creates against those present after restart.
//
// It starts faas dev itself (-faas, on a free loopback port with a fresh
// data directory) unless -url names one already running. Run it through
// scripts/attack.sh, which builds faas first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	faas, app, data, url, logFile string
	phases                        string
	load, throughput, crashBefore time.Duration
	conns, crashWriters           int
	verbose                       bool
}

func main() {
	var o options
	flag.StringVar(&o.faas, "faas", "go run ./cmd/faas", "the faas command (a built binary is needed for the kill -9 phase)")
	flag.StringVar(&o.app, "app", "./examples/todo", "the app directory")
	flag.StringVar(&o.data, "data", "", "data directory (default: a new temporary one, removed afterwards)")
	flag.StringVar(&o.url, "url", "", "attack a faas dev already running at this loopback URL (with -data its data directory) instead of starting one; skips kill -9")
	flag.StringVar(&o.logFile, "log", "", "where faas dev's output goes (default <data>/../faas-dev.log)")
	flag.StringVar(&o.phases, "phases", "jwt,hostile,tenancy,throughput,load,crash", "comma-separated phases to run")
	flag.DurationVar(&o.load, "load", 60*time.Second, "duration of the mixed read/write load")
	flag.DurationVar(&o.throughput, "throughput", 10*time.Second, "duration of each throughput run (list, create)")
	flag.DurationVar(&o.crashBefore, "crash-before", 3*time.Second, "write load before each kill -9")
	flag.IntVar(&o.conns, "conns", 64, "concurrent connections for load and throughput")
	flag.IntVar(&o.crashWriters, "crash-writers", 16, "concurrent writers during kill -9")
	flag.BoolVar(&o.verbose, "v", false, "print every attempt, not only the findings")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// run runs the phases and prints the summary; it returns 1 if a security
// or durability target was missed.
// A temporary data directory (with faas dev's log) is removed after a
// clean run and kept, and named, otherwise.
func run(ctx context.Context, o options, out io.Writer) (code int, err error) {
	phases := strings.Split(o.phases, ",")
	on := func(p string) bool { return slices.Contains(phases, p) }
	var dev *devServer
	data := o.data
	if o.url == "" {
		if data == "" {
			tmp, err := os.MkdirTemp("", "faas-attack-")
			if err != nil {
				return 0, err
			}
			defer func() {
				if code == 0 && err == nil {
					os.RemoveAll(tmp)
				} else {
					fmt.Fprintf(out, "kept the data and faas dev's log in %s\n", tmp)
				}
			}()
			data = filepath.Join(tmp, "data")
		}
		data, _ = filepath.Abs(data)
		if o.logFile == "" {
			o.logFile = filepath.Join(filepath.Dir(data), "faas-dev.log")
		}
		log, err := os.Create(o.logFile)
		if err != nil {
			return 0, err
		}
		defer log.Close()
		fmt.Fprintf(out, "starting %s dev on a free loopback port, data in %s, log in %s\n", o.faas, data, o.logFile)
		t0 := time.Now()
		if dev, err = startDev(ctx, o.faas, o.app, data, 0, log); err != nil {
			return 0, err
		}
		defer func() { dev.stop() }()
		fmt.Fprintf(out, "serving %s (ready in %v)\n", dev.url, time.Since(t0).Round(time.Millisecond))
		o.url = dev.url
	}
	t, err := newTarget(o.url, data, o.conns)
	if err != nil {
		return 0, err
	}
	tokens := map[string]string{}
	for _, u := range []string{"alice", "bob"} {
		if tokens[u], err = t.token(ctx, u); err != nil {
			return 0, err
		}
	}
	s := &summary{}
	if on("jwt") {
		at, err := runJWT(ctx, t, tokens["alice"])
		if err != nil {
			return 0, err
		}
		s.jwt = at
		report(out, "JWT attacks", at, o.verbose)
	}
	var aliceIDs []string
	if on("hostile") || on("tenancy") {
		if aliceIDs, err = seedAlice(ctx, t, tokens); err != nil {
			return 0, err
		}
	}
	if on("hostile") {
		at, final, err := runHostile(ctx, t, map[string]string{"alice": tokens["alice"], "bob": tokens["bob"]}, aliceIDs[0])
		if err != nil {
			return 0, err
		}
		s.hostile, s.hostileFinal = at, final
		report(out, "hostile inputs", at, o.verbose)
		for _, d := range final {
			fmt.Fprintln(out, "  state differs after the hostile run:", d)
		}
	}
	if on("tenancy") {
		at, final, err := runTenancy(ctx, t, tokens, aliceIDs)
		if err != nil {
			return 0, err
		}
		s.tenancy, s.tenancyFinal = at, final
		report(out, "tenancy probes", at, o.verbose)
		for _, d := range final {
			fmt.Fprintln(out, "  alice's state differs after the probes:", d)
		}
	}
	if on("throughput") {
		users, err := seedUsers(ctx, t, "tp", 8, 50)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(out, "\nthroughput: %d connections, %v each\n", o.conns, o.throughput)
		s.tpList = measured(dev, func() *loadResult { return runLoad(ctx, t, names(users), users, o.conns, o.throughput, listOnly) })
		printLoad(out, "list (GET /api/todos?limit=20, 50 to-dos per user)", s.tpList)
		s.tpCreate = measured(dev, func() *loadResult { return runLoad(ctx, t, names(users), users, o.conns, o.throughput, creates) })
		printLoad(out, "create (POST /api/todos)", s.tpCreate)
	}
	if on("load") {
		users, err := seedUsers(ctx, t, "load", 8, 20)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(out, "\nmixed load: %d connections for %v (60%% list, 25%% create, 10%% get, 5%% update)\n", o.conns, o.load)
		s.load = runLoad(ctx, t, names(users), users, o.conns, o.load, mixed)
		printLoad(out, "mixed", s.load)
		s.loadAcked, s.loadLost, s.loadUnlisted, s.loadMissing, err = lostWrites(ctx, t, users, s.load.acked)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(out, "  acknowledged creates %d, lost %d, unlisted %d\n", s.loadAcked, s.loadLost, s.loadUnlisted)
		for _, m := range s.loadMissing {
			fmt.Fprintln(out, "  missing:", m)
		}
	}
	if on("crash") && dev != nil {
		log, _ := os.OpenFile(o.logFile, os.O_APPEND|os.O_WRONLY, 0)
		defer log.Close()
		for _, what := range []string{"app child", "CLI", "CLI and app child"} {
			r, nd, err := runCrash(ctx, dev, what, o.crashWriters, o.crashBefore, o.conns, log)
			dev = nd
			if err != nil {
				return 0, fmt.Errorf("kill -9 %s: %w", what, err)
			}
			s.crash = append(s.crash, r)
			fmt.Fprintf(out, "\nkill -9 %s under %d writers: acknowledged %d, present %d, lost %d, not acknowledged %d, serving again after %v\n",
				what, o.crashWriters, r.acked, r.present, r.lost, r.failed, r.recovery.Round(time.Millisecond))
			for _, m := range r.missing {
				fmt.Fprintln(out, "  missing:", m)
			}
		}
	}
	fmt.Fprintln(out)
	return s.print(out, o), nil
}

// measured runs a load and records the app process's CPU time during it
// (when the tool started faas dev) and the load average after it.
func measured(dev *devServer, run func() *loadResult) *loadResult {
	pid, cpu0 := 0, time.Duration(0)
	if dev != nil {
		if p, err := dev.childPID(); err == nil {
			if c, err := procCPU(p); err == nil {
				pid, cpu0 = p, c
			}
		}
	}
	r := run()
	if pid != 0 {
		if c, err := procCPU(pid); err == nil {
			r.appCPU = c - cpu0
		}
	}
	r.loadAvg = loadAverage()
	return r
}

// seedAlice gives alice three to-dos, the first with notes and an
// attachment, and bob one.
func seedAlice(ctx context.Context, t *target, tokens map[string]string) ([]string, error) {
	var ids []string
	for i := range 3 {
		td, err := t.create(ctx, tokens["alice"], fmt.Sprintf("alice's to-do %d", i))
		if err != nil {
			return nil, err
		}
		ids = append(ids, td.ID)
	}
	r := t.do(ctx, req{method: "PATCH", path: "/api/todos/" + ids[0], token: tokens["alice"], body: []byte(`{"notes":"alice's secret"}`)})
	if r.status != 200 {
		return nil, fmt.Errorf("seed: notes: status %d: %s", r.status, r.body)
	}
	for _, id := range ids[:2] {
		r = t.do(ctx, req{method: "PUT", path: "/api/todos/" + id + "/attachments/receipt.txt", token: tokens["alice"], body: []byte("paid 2.49"),
			header: map[string]string{"Content-Type": "text/plain"}})
		if r.status/100 != 2 {
			return nil, fmt.Errorf("seed: attachment: status %d: %s", r.status, r.body)
		}
	}
	if _, err := t.create(ctx, tokens["bob"], "bob's to-do"); err != nil {
		return nil, err
	}
	return ids, nil
}

// seedUsers signs in n users named prefix-0..n-1 and gives each k to-dos.
func seedUsers(ctx context.Context, t *target, prefix string, n, k int) (map[string]string, error) {
	users := map[string]string{}
	for i := range n {
		u := fmt.Sprintf("%s-%d", prefix, i)
		tok, err := t.token(ctx, u)
		if err != nil {
			return nil, err
		}
		users[u] = tok
		for j := range k {
			if _, err := t.create(ctx, tok, fmt.Sprintf("seed %d", j)); err != nil {
				return nil, err
			}
		}
	}
	return users, nil
}

func names(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
