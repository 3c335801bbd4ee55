package local

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faaskit/faas/sdk"
)

// guardServer is a dev server for an app with one HTTP route, one schedule
// and one topic; ticks counts schedule runs.
func guardServer(t *testing.T) (*Server, *atomic.Int32) {
	t.Helper()
	var ticks atomic.Int32
	app := sdk.New("guard", nil)
	app.Topic("inbox", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) }), nil)
	app.Schedule("purge", "rate(1 hour)", func(context.Context, *sdk.ScheduleEvent) error { ticks.Add(1); return nil }, nil)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(t.Context(), app.Manifest(), NewInProcess(app, nil), &ServerOptions{DataDir: t.TempDir(), BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, &ticks
}

func TestGuard(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, path, host, origin, ctype, body string
		status                                        int
		ran                                           bool // the schedule ran
	}{
		// DNS rebinding: the attacker's name resolved to 127.0.0.1.
		{"rebinding app route", "GET", "/api/todos", "attacker.example:8080", "", "", "", 421, false},
		{"rebinding token", "POST", "/_faas/oidc/token", "attacker.example:8080", "http://attacker.example:8080", form, "grant_type=password&username=alice", 421, false},
		{"rebinding deadletters", "GET", "/_faas/deadletters", "attacker.example", "", "", "", 421, false},
		{"rebinding invoke", "POST", "/_faas/invoke/purge", "attacker.example:8080", "", "application/json", "{}", 421, false},
		{"localhost", "GET", "/_faas/healthz", "localhost:8080", "", "", "", 200, false},
		{"started host", "GET", "/api/todos", "127.0.0.1:8080", "", "", "", 200, false},
		{"other loopback ip", "GET", "/api/todos", "127.0.0.2", "", "", "", 200, false},
		{"ipv6 loopback", "GET", "/api/todos", "[::1]:8080", "", "", "", 200, false},
		{"dot localhost", "GET", "/api/todos", "app.localhost:8080", "", "", "", 200, false},
		// CSRF: a simple cross-site POST.
		{"cross-site text/plain invoke", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "https://evil.example", "text/plain", "{}", 403, false},
		{"cross-site json invoke", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "https://evil.example", "application/json", "{}", 403, false},
		{"null origin invoke", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "null", "application/json", "{}", 403, false},
		{"text/plain invoke without origin", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "", "text/plain", "{}", 415, false},
		{"form invoke", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "", form, "a=b", 415, false},
		{"cross-site publish", "POST", "/_faas/publish/inbox", "127.0.0.1:8080", "https://evil.example", "text/plain", `{"data":"x"}`, 403, false},
		{"text/plain publish", "POST", "/_faas/publish/inbox", "127.0.0.1:8080", "", "text/plain", `{"data":"x"}`, 415, false},
		{"cross-site token", "POST", "/_faas/oidc/token", "127.0.0.1:8080", "https://evil.example", form, "grant_type=password&username=alice", 403, false},
		// What must keep working.
		{"faas invoke", "POST", "/_faas/invoke/purge", "127.0.0.1:8080", "", "application/json", "{}", 200, true},
		{"same-origin page invoke", "POST", "/_faas/invoke/purge", "localhost:8080", "http://localhost:8080", "application/json; charset=utf-8", "{}", 200, true},
		{"json publish", "POST", "/_faas/publish/inbox", "127.0.0.1:8080", "", "application/json", `{"data":"x"}`, 202, false},
		{"token form from the app's page", "POST", "/_faas/oidc/token", "127.0.0.1:8080", "http://127.0.0.1:8080", form, "grant_type=password&username=alice", 200, false},
		{"token form from a loopback front end", "POST", "/_faas/oidc/token", "127.0.0.1:8080", "http://localhost:5173", form, "grant_type=password&username=alice", 200, false},
		{"token form from curl", "POST", "/_faas/oidc/token", "127.0.0.1:8080", "", form, "grant_type=password&username=alice", 200, false},
		{"cross-site app POST is the app's business", "POST", "/api/todos", "127.0.0.1:8080", "https://evil.example", "text/plain", "x", 200, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, ticks := guardServer(t)
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			req.RemoteAddr = "127.0.0.1:50000"
			req.Host = c.host
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Errorf("status %d (%s); want %d", rec.Code, rec.Body, c.status)
			}
			if rec.Code >= 400 && rec.Code != 404 {
				var body sdk.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
					t.Errorf("refusal body %q is not a JSON error", rec.Body)
				}
			}
			if got := ticks.Load() > 0; got != c.ran {
				t.Errorf("schedule ran: %v; want %v", got, c.ran)
			}
		})
	}
}
