package todo_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/localtest"
)

// benchConns is the number of concurrent clients, as in scripts/attack.sh.
const benchConns = 64

// benchRequests seeds seed to-dos for each of 8 users, then runs the
// request built by mk b.N times over loopback HTTP
// against the app under the local runtime, from benchConns clients, and
// reports requests/s, latency percentiles and the CPU time of the process
// (server and clients) per request, including the event deliveries the
// requests cause, which it waits for.
func benchRequests(b *testing.B, seed int, mk func(env *localtest.Env, token string, i int) *http.Request) {
	env := localtest.Start(b, todo.App, nil)
	// As in scripts/attack.sh, the clients are 8 users.
	var tokens []string
	for u := range 8 {
		tokens = append(tokens, env.Token(fmt.Sprint("bench-", u)))
	}
	client := env.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = benchConns
	for i := range seed * len(tokens) {
		req, _ := http.NewRequest("POST", env.URL+"/api/todos", strings.NewReader(fmt.Sprintf(`{"title":"seed %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	env.WaitIdle(time.Minute)
	lat := make(chan time.Duration, b.N+benchConns)
	b.SetParallelism(max(1, benchConns/runtime.GOMAXPROCS(0)))
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	var clients atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		token := tokens[int(clients.Add(1))%len(tokens)]
		i := 0
		for pb.Next() {
			i++
			t0 := time.Now()
			resp, err := client.Do(mk(env, token, i))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			lat <- time.Since(t0)
		}
	})
	elapsed := b.Elapsed()
	env.WaitIdle(time.Minute)
	b.StopTimer()
	cpu1, _ := processCPU()
	close(lat)
	var all []time.Duration
	for d := range lat {
		all = append(all, d)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	}
	if cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/req")
	}
}

func BenchmarkList(b *testing.B) {
	benchRequests(b, 50, func(env *localtest.Env, token string, _ int) *http.Request {
		req, _ := http.NewRequest("GET", env.URL+"/api/todos?limit=20", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	})
}

func BenchmarkCreate(b *testing.B) {
	benchRequests(b, 0, func(env *localtest.Env, token string, i int) *http.Request {
		req, _ := http.NewRequest("POST", env.URL+"/api/todos", strings.NewReader(`{"title":"bench"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		return req
	})
}
