package dev

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy"
	_ "github.com/faaskit/faas/deploy/all"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/providers/local/testdata/flaky"
)

// TestEmulate builds providers/local/testdata/flaky as each provider's artifact (the same
// build faas dev --emulate runs) and serves it through that provider's
// local host behind the dev server. Every event takes the production path
// of an emulated deployment: the dev broker delivers the provider's native
// event (SQS batch, Pub/Sub CloudEvent, Service Bus trigger payload; S3
// notification, Storage CloudEvent, Event Grid event; EventBridge event,
// Cloud Scheduler HTTP call, timer payload) to the real built binary.
func TestEmulate(t *testing.T) {
	for _, provider := range Emulated() {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			em, err := emulatorFor(provider)
			if err != nil {
				t.Fatal(err)
			}
			dist := filepath.Join(t.TempDir(), "dist")
			if err := em.BuildLocal(t.Context(), &deploy.BuildRequest{Dir: "../../../providers/local/testdata/flaky", Out: dist, Progress: t.Output(), Wrap: devWrap, Local: true}); err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				done <- hostRun(ctx, &cmdutil.IOStreams{Out: t.Output(), ErrOut: t.Output()}, em, dist, ln, t.TempDir())
			}()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("host: %v", err)
				}
			})
			c := &emuClient{base: "http://" + ln.Addr().String()}
			c.waitHealthy(t, done)

			t.Run("MessageFailsOnceThenRedelivered", func(t *testing.T) {
				c.call(t, http.MethodPost, "/_faas/publish/jobs", `{"data":"j1"}`, http.StatusAccepted)
				rec := c.waitRecord(t, "job:j1", func(r *flaky.Record) bool { return r.Done })
				if rec.Attempts != 2 {
					t.Errorf("job handled on attempt %d; want the redelivery after the failed first one (2)", rec.Attempts)
				}
			})
			t.Run("BlobEvent", func(t *testing.T) {
				c.call(t, http.MethodPut, "/files/report.txt", "hello", http.StatusNoContent)
				rec := c.waitRecord(t, "blob:report.txt", func(r *flaky.Record) bool { return r.Done })
				if rec.Size != 5 {
					t.Errorf("blob event size %d; want 5", rec.Size)
				}
			})
			t.Run("ScheduleTick", func(t *testing.T) {
				c.call(t, http.MethodPost, "/_faas/invoke/tick", `{}`, http.StatusOK)
				if rec := c.waitRecord(t, "ticks", func(r *flaky.Record) bool { return r.Attempts > 0 }); rec.Attempts != 1 {
					t.Errorf("schedule ran %d times; want 1", rec.Attempts)
				}
			})
			t.Run("NoDeadLetters", func(t *testing.T) {
				if body := c.call(t, http.MethodGet, "/_faas/deadletters", "", http.StatusOK); strings.Contains(body, `"function"`) {
					t.Errorf("dead letters: %s", body)
				}
			})
		})
	}
}

type emuClient struct{ base string }

// waitHealthy waits until the dev server answers, failing if the host exits.
func (c *emuClient) waitHealthy(t *testing.T, exited <-chan error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("host exited during start-up: %v", err)
		default:
		}
		if resp, err := http.Get(c.base + "/_faas/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("dev server not healthy after 60s")
}

// call sends one request and checks its status.
func (c *emuClient) call(t *testing.T, method, path, body string, want int) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // the dev API refuses simple (CSRF-able) posts
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s %s; want %d", method, path, resp.Status, b, want)
	}
	return string(b)
}

// waitRecord polls the app's record id until ok accepts it (30s at most).
func (c *emuClient) waitRecord(t *testing.T, id string, ok func(*flaky.Record) bool) *flaky.Record {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.base + "/state/" + id)
		if err != nil {
			t.Fatal(err)
		}
		var rec flaky.Record
		err = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && ok(&rec) {
			return &rec
		}
		last = resp.Status
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("record %s: not as expected after 30s (last answer %s)", id, last)
	return nil
}
