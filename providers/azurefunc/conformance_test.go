package azurefunc_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

// TestConformance builds the conformance app exactly as faas build
// --provider=azure does, runs the zip under the local Functions host and
// passes the shared provider suite through it.
func TestConformance(t *testing.T) {
	zip := buildCapp(t)
	providertest.Run(t, &harness{zip: zip})
}

// cappZip is the conformance app built by TestMain exactly as faas build
// --provider=azure builds it, shared by the tests that run it.
var cappZip string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		// Fuzzing (scripts/fuzz.sh runs -run '^$' -fuzz X): no test that
		// runs the conformance app runs, so do not build it in every
		// fuzz worker.
		os.Exit(m.Run())
	}
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "azurefunc-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := azuredeploy.Build(ctx, "../../sdk/providertest/capp", dir, nil); err != nil {
			fmt.Fprintln(os.Stderr, "azuredeploy:", err)
			return 1
		}
		cappZip = filepath.Join(dir, "app.zip")
		return m.Run()
	}())
}

func buildCapp(*testing.T) string { return cappZip }

type harness struct{ zip string }

func (h *harness) Start(t *testing.T, env map[string]string) providertest.Target {
	t.Helper()
	logs := &providertest.Output{}
	// faas deploy sets each subscription's maxDeliveryCount to the
	// function's MaxAttempts.
	host, err := funchost.Start(t.Context(), h.zip, &funchost.Options{Env: env, Output: logs, MaxDeliveryCount: capp.MessageMaxAttempts})
	if err != nil {
		t.Fatalf("funchost: %v\n%s", err, logs.String())
	}
	srv := httptest.NewServer(host)
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		if err := host.Close(); err != nil {
			t.Errorf("funchost close: %v", err)
		}
		if t.Failed() {
			t.Logf("handler output (tail):\n%s", logs.Tail(16<<10))
		}
	})
	return &target{EventTarget: providertest.EventTarget{Host: host, Bucket: capp.UploadsBucket}, host: host, base: srv.URL, tr: tr}
}

type target struct {
	providertest.EventTarget
	host *funchost.Host
	base string
	tr   *http.Transport
}

func (tg *target) Do(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = "http", tg.base[len("http://"):]
	r.URL, r.Host, r.RequestURI = &u, "", ""
	return tg.tr.RoundTrip(r)
}

// Publish implements providertest.Redeliverer with funchost's Service Bus
// peek-lock loop: redelivered until MaxDeliveryCount, then dead-lettered.
func (tg *target) Publish(ctx context.Context, function string, m providertest.Message) (bool, error) {
	_, err := tg.host.Send(ctx, function, &sdk.Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, PublishTime: m.Published})
	if errors.Is(err, funchost.ErrDeadLettered) {
		return true, nil
	}
	return false, err
}
