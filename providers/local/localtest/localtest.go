// Package localtest runs an app in-process under the local runtime for the
// app's own tests: a real HTTP server on 127.0.0.1, the dev OIDC issuer for
// tokens, durable stores in a temp dir, and the broker delivering topic
// messages and blob events in the background.
//
//	func TestCreate(t *testing.T) {
//		env := localtest.Start(t, todo.App)
//		req, _ := http.NewRequest("POST", env.URL+"/api/todos", body)
//		req.Header.Set("Authorization", "Bearer "+env.Token("alice"))
//		resp, err := env.Client().Do(req)
//		...
//		env.WaitIdle() // all events delivered
//	}
package localtest

import (
	"context"
	"github.com/faaskit/faas/sdk/provider"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
)

// Env is an app running for a test.
type Env struct {
	URL     string // base URL of the app, e.g. http://127.0.0.1:PORT
	DataDir string
	App     *sdk.App
	Server  *local.Server

	t  testing.TB
	hs *httptest.Server
}

// Options configures Start.
type Options struct {
	// DataDir reuses a data directory (to test restarts); default a temp dir.
	DataDir string
}

// Start builds the app with newApp and serves it until the test ends. The
// app's auth environment (FAAS_AUTH_*) points at the dev issuer, set with
// t.Setenv, so tests using Start cannot run in parallel.
func Start(t testing.TB, newApp func() *sdk.App, opts *Options) *Env {
	t.Helper()
	dir := ""
	if opts != nil {
		dir = opts.DataDir
	}
	if dir == "" {
		dir = t.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	base := "http://" + ln.Addr().String()
	t.Setenv("FAAS_AUTH_ISSUER", base+local.IssuerPath)
	t.Setenv("FAAS_AUTH_AUDIENCE", local.DevAudience)
	t.Setenv("FAAS_AUTH_CLIENT_ID", local.DevAudience)
	app := newApp()
	if err := app.Err(); err != nil {
		t.Fatalf("localtest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := local.NewServer(ctx, app.Manifest(), local.NewInProcess(app, nil), &local.ServerOptions{
		DataDir: dir, BaseURL: base,
	})
	if err != nil {
		cancel()
		t.Fatalf("localtest: %v", err)
	}
	provider.Bind(app, devbind.New(dir, srv), func(string) (string, bool) { return "", false })
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	hs.Start()
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		srv.Close()
	})
	return &Env{URL: base, DataDir: dir, App: app, Server: srv, t: t, hs: hs}
}

// Client returns an HTTP client for the app that does not follow redirects.
func (e *Env) Client() *http.Client {
	c := *e.hs.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// Token returns a bearer token for the named dev user.
func (e *Env) Token(user string) string {
	e.t.Helper()
	tok, err := e.Server.Issuer().Token(user)
	if err != nil {
		e.t.Fatalf("localtest: token for %s: %v", user, err)
	}
	return tok
}

// WaitIdle waits until every queued message and blob event has been
// delivered (or dead-lettered), failing the test after timeout.
func (e *Env) WaitIdle(timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n, err := e.Server.Pending(context.Background())
		if err != nil {
			e.t.Fatalf("localtest: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("localtest: %d deliveries still pending after %v", n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
