package local

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

// serveSlow serves an app whose handler reads the whole body, then waits
// hold, under Serve with small timeouts. It returns the address.
func serveSlow(t *testing.T, timeout, hold time.Duration) string {
	t.Helper()
	app := sdk.New("slow", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			sdk.WriteError(w, sdk.Wrap(sdk.CodeInvalidInput, err))
			return
		}
		select {
		case <-time.After(hold):
		case <-r.Context().Done():
			sdk.WriteError(w, sdk.Errorf(sdk.CodeUnavailable, "cancelled after the body was read"))
			return
		}
		w.Write(b)
	}), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(t.Context(), app.Manifest(), NewInProcess(app, nil), &ServerOptions{
		DataDir: t.TempDir(), BaseURL: "http://" + ln.Addr().String(), ReadHeaderTimeout: timeout, BodyTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, srv, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return ln.Addr().String()
}

// TestSlowClientsCutOff: a client that stalls in its headers or its body
// is disconnected once the (injected, small) timeout passes, long before
// the test's own bound.
func TestSlowClientsCutOff(t *testing.T) {
	addr := serveSlow(t, 150*time.Millisecond, 0)
	cases := []struct{ name, sent string }{
		{"stalled headers", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-"},
		{"stalled body", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 10485760\r\n\r\n" + strings.Repeat("x", 4096)},
		{"stalled chunked body", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + strings.Repeat("x", 100)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, c.sent); err != nil {
				t.Fatal(err)
			}
			// The bound is the test's safety net, 100 times the timeout.
			conn.SetReadDeadline(time.Now().Add(15 * time.Second))
			_, err = io.Copy(io.Discard, conn) // returns when the server closes
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept the stalled connection open")
			}
		})
	}
}

// TestBodyDeadlineSparesLongHandlers: once the body is read, the deadline
// is lifted, so a handler may run past it without its context being
// cancelled, and requests without a body never get one.
func TestBodyDeadlineSparesLongHandlers(t *testing.T) {
	addr := serveSlow(t, 50*time.Millisecond, 300*time.Millisecond)
	for _, body := range []string{"", "hello"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		req := "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
		if body != "" {
			req = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\n" + body
		}
		io.WriteString(conn, req)
		conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("body %q: %d %s; want 200 after the handler's wait", body, resp.StatusCode, b)
		}
	}
}
