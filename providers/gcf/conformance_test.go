package gcf_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/faaskit/faas/deploy/gcpdeploy"
	"github.com/faaskit/faas/providers/gcf/gcfhost"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
)

// TestConformance builds the conformance app into a GCF source bundle with
// gcpdeploy, builds that bundle the way the Go buildpack does, serves it
// with functions-framework processes (one per FUNCTION_TARGET) and runs the
// shared provider suite against it through real HTTP, CloudEvents and
// Cloud Scheduler requests.
func TestConformance(t *testing.T) {
	providertest.Run(t, harness{})
}

type harness struct{}

func (harness) Start(t *testing.T, env map[string]string) providertest.Target {
	t.Helper()
	dist := t.TempDir()
	_, err := gcpdeploy.Build(t.Context(), "../../sdk/providertest/capp", dist, &gcpdeploy.Options{
		// The suite binds file:// buckets and a mem:// topic; GCP bundles
		// link only GCP drivers unless asked.
		ExtraImports: []string{"gocloud.dev/blob/fileblob", "gocloud.dev/pubsub/mempubsub"},
		SkipCompile:  true,
	})
	if err != nil {
		t.Fatalf("gcpdeploy: %v", err)
	}
	out := &syncBuffer{}
	h, err := gcfhost.Start(t.Context(), dist, &gcfhost.Options{Env: env, Output: out, Project: "conformance-project"})
	if err != nil {
		t.Fatalf("gcfhost: %v\n%s", err, out.String())
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		h.Close()
		if t.Failed() {
			t.Logf("function output:\n%s", out.String())
		}
	})
	base, _ := url.Parse(srv.URL)
	return &target{host: h, base: base, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// target adapts the host (a local.Dispatcher) to providertest.Target.
type target struct {
	host   *gcfhost.Host
	base   *url.URL
	client *http.Client
}

func (tg *target) Do(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host = tg.base.Scheme, tg.base.Host
	r.Host = tg.base.Host
	r.RequestURI = ""
	return tg.client.Do(r)
}

func (tg *target) DeliverMessage(ctx context.Context, function string, m providertest.Message) error {
	return tg.host.DeliverMessage(ctx, function, &sdk.Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, Attempt: m.Attempt, PublishTime: m.Published})
}

func (tg *target) DeliverBlob(ctx context.Context, function string, e providertest.BlobEvent) error {
	kind := sdk.BlobCreated
	if e.Deleted {
		kind = sdk.BlobDeleted
	}
	return tg.host.DeliverBlob(ctx, function, &sdk.BlobEvent{Kind: kind, Key: e.Key, Size: e.Size, ContentType: e.ContentType, Time: e.Time})
}

func (tg *target) FireSchedule(ctx context.Context, function string, e providertest.ScheduleEvent) error {
	return tg.host.FireSchedule(ctx, function, &sdk.ScheduleEvent{ID: e.ID, Time: e.Time})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
