package todo_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/localtest"
)

// benchRequests runs the request built by mk b.N times over loopback HTTP
// against the app under the local runtime, in parallel, and reports
// requests/s and latency percentiles.
func benchRequests(b *testing.B, seed int, mk func(env *localtest.Env, token string, i int) *http.Request) {
	env := localtest.Start(b, todo.App, nil)
	token := env.Token("bench")
	client := env.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	for i := range seed {
		req, _ := http.NewRequest("POST", env.URL+"/api/todos", strings.NewReader(fmt.Sprintf(`{"title":"seed %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	lat := make(chan time.Duration, b.N+64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
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
	b.StopTimer()
	close(lat)
	var all []time.Duration
	for d := range lat {
		all = append(all, d)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
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
