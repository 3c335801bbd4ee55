package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// opStats are the results of one kind of request in a load run.
type opStats struct {
	n, errs  int
	statuses map[int]int
	lat      []time.Duration
}

func (s *opStats) add(status int, ok bool, d time.Duration) {
	if s.statuses == nil {
		s.statuses = map[int]int{}
	}
	s.n++
	s.statuses[status]++
	if !ok {
		s.errs++
	}
	s.lat = append(s.lat, d)
}

func (s *opStats) merge(o *opStats) {
	s.n += o.n
	s.errs += o.errs
	s.lat = append(s.lat, o.lat...)
	for k, v := range o.statuses {
		if s.statuses == nil {
			s.statuses = map[int]int{}
		}
		s.statuses[k] += v
	}
}

// pct returns the p-th percentile latency (p in 0..100).
func (s *opStats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	i := int(float64(len(s.lat)-1) * p / 100)
	return s.lat[i]
}

// loadResult is the outcome of a load run.
type loadResult struct {
	elapsed time.Duration
	appCPU  time.Duration       // the app process's CPU time during the run; 0 if unknown
	loadAvg string              // the machine's 1-minute load average at the end
	ops     map[string]*opStats // by kind
	acked   map[string][]string // user → IDs of acknowledged creates
}

func (r *loadResult) total() (n, errs int) {
	for _, s := range r.ops {
		n += s.n
		errs += s.errs
	}
	return n, errs
}

// mix says how often each kind of request is made, in percent.
type mix struct{ list, create, get, patch int }

var (
	mixed    = mix{list: 60, create: 25, get: 10, patch: 5}
	listOnly = mix{list: 100}
	creates  = mix{create: 100}
)

// runLoad runs conns workers for dur, each signed in as one of users (by
// worker number) and choosing requests by m. Creates are acknowledged by
// a 201 with the new to-do's ID.
func runLoad(ctx context.Context, t *target, users []string, tokens map[string]string, conns int, dur time.Duration, m mix) *loadResult {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	type worker struct {
		ops   map[string]*opStats
		acked []string
	}
	ws := make([]*worker, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		ws[w] = &worker{ops: map[string]*opStats{}}
		wg.Go(func() {
			me := ws[w]
			user := users[w%len(users)]
			tok := tokens[user]
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for i := 0; ctx.Err() == nil; i++ {
				kind, r := "", req{token: tok}
				want := 200
				switch x := rng.IntN(100); {
				case x < m.list:
					kind, r.method, r.path = "list", "GET", "/api/todos?limit=20"
				case x < m.list+m.create:
					kind, r.method, r.path, want = "create", "POST", "/api/todos", 201
					r.body = fmt.Appendf(nil, `{"title":"load %d-%d"}`, w, i)
				case x < m.list+m.create+m.get && len(me.acked) > 0:
					kind, r.method, r.path = "get", "GET", "/api/todos/"+me.acked[rng.IntN(len(me.acked))]
				case len(me.acked) > 0:
					kind, r.method, r.path = "patch", "PATCH", "/api/todos/"+me.acked[rng.IntN(len(me.acked))]
					r.body = []byte(`{"done":true}`)
				default:
					continue
				}
				t0 := time.Now()
				res := t.do(context.WithoutCancel(ctx), r)
				d := time.Since(t0)
				if ctx.Err() != nil && res.err != nil {
					break // cut off by the end of the run
				}
				ok := res.err == nil && res.status == want
				if ok && kind == "create" {
					var td todo
					if json.Unmarshal(res.body, &td) == nil && td.ID != "" {
						me.acked = append(me.acked, td.ID)
					} else {
						ok = false
					}
				}
				st := me.ops[kind]
				if st == nil {
					st = &opStats{}
					me.ops[kind] = st
				}
				st.add(res.status, ok, d)
			}
		})
	}
	wg.Wait()
	res := &loadResult{elapsed: time.Since(start), ops: map[string]*opStats{}, acked: map[string][]string{}}
	for w, me := range ws {
		for k, s := range me.ops {
			if res.ops[k] == nil {
				res.ops[k] = &opStats{}
			}
			res.ops[k].merge(s)
		}
		u := users[w%len(users)]
		res.acked[u] = append(res.acked[u], me.acked...)
	}
	return res
}

// lostWrites returns, for every acknowledged create, whether it can be read
// back: through the user's listing, and by ID for any the listing misses.
// A create that the listing misses but a GET by ID finds is unlisted, not
// lost.
func lostWrites(ctx context.Context, t *target, tokens map[string]string, acked map[string][]string) (ackedN, lost, unlisted int, missing []string, err error) {
	for user, ids := range acked {
		ackedN += len(ids)
		items, err := t.listAll(ctx, tokens[user])
		if err != nil {
			return 0, 0, 0, nil, err
		}
		seen := map[string]bool{}
		for _, raw := range items {
			var td todo
			json.Unmarshal(raw, &td)
			seen[td.ID] = true
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			r := t.do(ctx, req{method: "GET", path: "/api/todos/" + id, token: tokens[user]})
			if r.status == 200 {
				unlisted++
			} else {
				lost++
			}
			missing = append(missing, fmt.Sprintf("%s/%s (GET by id: %d)", user, id, r.status))
		}
	}
	return ackedN, lost, unlisted, missing, nil
}
