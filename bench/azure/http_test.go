// Package azure benchmarks the faas Azure Functions custom-handler shim in
// pass-through mode (host.json enableForwardingHttpRequest, what
// faas build --provider=azure generates) against a bare net/http server
// running the same handler: decode a JSON body, answer 201 with a JSON
// body, a header and a cookie. The requests carry the headers the
// Functions host adds to forwarded requests.
//
//   - BenchmarkForwarded/impl=bare: net/http.Server on loopback, the
//     handler mounted directly (what a hand-written custom handler does).
//   - BenchmarkForwarded/impl=faas: the same server with azurefunc.Handler
//     in front (route-prefix stripping, function routing, invocation
//     context with ID, deadline and logger, panic recovery).
//   - BenchmarkForwardedPaired: both servers in one benchmark, each
//     iteration sending one request to each in turn and timing them
//     separately (metrics bare-ns/req, faas-ns/req and faas/bare
//     throughput ratio). On a shared, loaded machine this pairing cancels
//     the load drift that separate sub-benchmarks suffer from.
//   - BenchmarkServeHTTP/impl=*: the same two handlers called in-process
//     with a recorder, which isolates the shim's own cost from the network.
//   - BenchmarkOverhead/impl=*: an empty handler in-process, so the
//     difference is exactly what the shim adds per request.
//
// Run with bench/run.sh azure.
package azure

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/bench/internal/workload"
	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
)

func handlers(b *testing.B) map[string]http.Handler {
	b.Helper()
	app := sdk.New("bench", nil)
	app.HTTP("web", workload.Handler(), nil)
	h, err := azurefunc.NewHandler(app, &azurefunc.Options{RoutePrefix: "", Forwarding: true, Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	return map[string]http.Handler{"bare": workload.Handler(), "faas": h}
}

// hostHeaders are the headers of a request the Functions host forwards.
func hostHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Azure-Functions-Host/4.1037.0")
	h.Set("X-Azure-Functions-InvocationId", "1f6a3e0c-5a9c-4b0e-9d5e-2a6f1f0c9b11")
	h.Set("X-Azure-Functions-HostVersion", "4.1037.0")
	h.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.Set("Cookie", "session=abc123; theme=dark")
}

func BenchmarkForwarded(b *testing.B) {
	for _, impl := range []string{"bare", "faas"} {
		b.Run("impl="+impl, func(b *testing.B) {
			srv := httptest.NewServer(handlers(b)[impl])
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := srv.URL + "/api/todos?list=home"
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(workload.Body))
					hostHeaders(req.Header)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}

func BenchmarkForwardedPaired(b *testing.B) {
	hs := handlers(b)
	impls := []string{"bare", "faas"}
	urls := map[string]string{}
	for _, impl := range impls {
		srv := httptest.NewServer(hs[impl])
		defer srv.Close()
		urls[impl] = srv.URL + "/api/todos?list=home"
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var total [2]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for k := range impls {
			k = (k + i) % 2 // alternate which goes first
			start := time.Now()
			req, _ := http.NewRequest(http.MethodPost, urls[impls[k]], strings.NewReader(workload.Body))
			hostHeaders(req.Header)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			total[k] += time.Since(start)
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("%s: status %d", impls[k], resp.StatusCode)
			}
		}
	}
	b.ReportMetric(float64(total[0].Nanoseconds())/float64(b.N), "bare-ns/req")
	b.ReportMetric(float64(total[1].Nanoseconds())/float64(b.N), "faas-ns/req")
	b.ReportMetric(float64(total[0])/float64(total[1]), "faas/bare-throughput")
}

func BenchmarkServeHTTP(b *testing.B) {
	for _, impl := range []string{"bare", "faas"} {
		b.Run("impl="+impl, func(b *testing.B) {
			h := handlers(b)[impl]
			req := httptest.NewRequest(http.MethodPost, "/api/todos?list=home", nil)
			hostHeaders(req.Header)
			rd := bytes.NewReader([]byte(workload.Body))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rd.Reset([]byte(workload.Body))
				req.Body = io.NopCloser(rd)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkOverhead(b *testing.B) {
	empty := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	app := sdk.New("bench", nil)
	app.HTTP("web", empty, nil)
	shim, err := azurefunc.NewHandler(app, &azurefunc.Options{Forwarding: true, Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		impl string
		h    http.Handler
	}{{"bare", empty}, {"faas", shim}} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/todos", nil)
			hostHeaders(req.Header)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
