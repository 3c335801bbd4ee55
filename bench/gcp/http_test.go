// Package gcp benchmarks the faas Cloud Run functions shim (providers/gcf)
// on the to-do HTTP path — decode a JSON body, answer 201 with a JSON body,
// a Location header and a cookie — against the same handler registered
// directly with functions-framework-go and against bare net/http.
//
//   - BenchmarkHTTP/impl=bare: net/http.Server on loopback with the handler
//     on a ServeMux.
//   - BenchmarkHTTP/impl=framework: the handler registered directly with
//     functions.HTTP and served by funcframework (what a hand-written GCF
//     function costs).
//   - BenchmarkHTTP/impl=faas: the same app function registered through
//     gcf.Shim (invocation context with execution ID, trace, deadline and
//     logger; panic recovery) and served by the same funcframework server.
//   - BenchmarkHTTPPaired: framework and faas requests interleaved in one
//     loop and timed separately (metrics framework-ns/req, faas-ns/req),
//     which cancels the load drift of a shared machine.
//   - BenchmarkServeHTTP/impl=*: the raw handler and the shim's handler
//     called in-process with a recorder: the shim's own cost, no network.
//
// The framework server (funcframework.StartHostPort) cannot be stopped; it
// listens on 127.0.0.1 until the benchmark binary exits.
//
// Run with bench/run.sh gcp.
package gcp

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/faaskit/faas/bench/internal/workload"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// shimFunc returns the shim's functions.HTTP handler for the to-do app.
func shimFunc(b *testing.B) func(http.ResponseWriter, *http.Request) {
	b.Helper()
	app := sdk.New("bench", nil)
	app.HTTP("web", workload.Handler(), nil)
	s, err := gcf.New(app, &gcf.Options{Project: "bench-project", Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	fn, err := s.HTTPFunc("web")
	if err != nil {
		b.Fatal(err)
	}
	return fn
}

var (
	serversOnce sync.Once
	servers     map[string]string // impl -> URL
	serversErr  error
)

// startServers starts, once per binary, the framework server (functions
// "framework" and "faas" at /framework and /faas) and a bare net/http
// server (/bare), all on loopback.
func startServers(b *testing.B) map[string]string {
	b.Helper()
	serversOnce.Do(func() {
		functions.HTTP("framework", workload.Handler().ServeHTTP)
		functions.HTTP("faas", shimFunc(b))
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			serversErr = err
			return
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		go funcframework.StartHostPort("127.0.0.1", port)
		bare := http.NewServeMux()
		bare.Handle("/bare", workload.Handler())
		srv := httptest.NewServer(bare)
		ff := "http://127.0.0.1:" + port
		servers = map[string]string{"bare": srv.URL + "/bare", "framework": ff + "/framework", "faas": ff + "/faas"}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
				c.Close()
				return
			}
		}
		serversErr = io.ErrUnexpectedEOF
	})
	if serversErr != nil {
		b.Fatalf("start servers: %v", serversErr)
	}
	return servers
}

func newRequest(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(workload.Body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	return req
}

func do(b *testing.B, client *http.Client, url string) {
	resp, err := client.Do(newRequest(url))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("%s: status %d", url, resp.StatusCode)
	}
}

func BenchmarkHTTP(b *testing.B) {
	urls := startServers(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, impl := range []string{"bare", "framework", "faas"} {
		b.Run("impl="+impl, func(b *testing.B) {
			do(b, client, urls[impl])
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				do(b, client, urls[impl])
			}
		})
	}
}

func BenchmarkHTTPPaired(b *testing.B) {
	urls := startServers(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	do(b, client, urls["framework"])
	do(b, client, urls["faas"])
	var tf, ts time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		first, second, df, ds := "framework", "faas", &tf, &ts
		if i%2 == 1 {
			first, second, df, ds = "faas", "framework", &ts, &tf
		}
		t0 := time.Now()
		do(b, client, urls[first])
		t1 := time.Now()
		do(b, client, urls[second])
		*df += t1.Sub(t0)
		*ds += time.Since(t1)
	}
	b.ReportMetric(float64(tf.Nanoseconds())/float64(b.N), "framework-ns/req")
	b.ReportMetric(float64(ts.Nanoseconds())/float64(b.N), "faas-ns/req")
}

func BenchmarkServeHTTP(b *testing.B) {
	impls := map[string]func(http.ResponseWriter, *http.Request){"bare": workload.Handler().ServeHTTP, "faas": shimFunc(b)}
	for _, impl := range []string{"bare", "faas"} {
		fn := impls[impl]
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				req := httptest.NewRequest(http.MethodPost, "/api/todos", bytes.NewReader([]byte(workload.Body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
				rec := httptest.NewRecorder()
				fn(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
