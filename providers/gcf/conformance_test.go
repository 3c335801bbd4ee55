package gcf_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/faaskit/faas/deploy/gcpdeploy"
	"github.com/faaskit/faas/providers/gcf/gcfhost"
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
	out := &providertest.Output{}
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
	return &target{EventTarget: providertest.EventTarget{Host: h}, host: h, base: base, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// target adapts the host (a local.Dispatcher) to providertest.Target.
type target struct {
	providertest.EventTarget
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
