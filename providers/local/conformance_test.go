package local

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

// localHarness runs the conformance app in this process behind a real HTTP
// server, the way faas dev serves it.
type localHarness struct{}

func (localHarness) Start(t *testing.T, env map[string]string) providertest.Target {
	app := capp.App()
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	d := NewInProcess(app, nil)
	srv, err := NewServer(t.Context(), app.Manifest(), d, &ServerOptions{DataDir: t.TempDir(), BaseURL: "http://127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	app.Bind(devbind.New(t.TempDir(), srv), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &localTarget{d: d, base: hs.URL, client: hs.Client()}
}

type localTarget struct {
	d      *InProcess
	base   string
	client *http.Client
}

func (lt *localTarget) Do(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(lt.base + req.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	req.URL, req.Host, req.RequestURI = u, "", ""
	c := *lt.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c.Do(req)
}

func (lt *localTarget) DeliverMessage(ctx context.Context, fn string, m providertest.Message) error {
	return lt.d.DeliverMessage(ctx, fn, &sdk.Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, Attempt: m.Attempt, PublishTime: m.Published})
}

func (lt *localTarget) DeliverBlob(ctx context.Context, fn string, e providertest.BlobEvent) error {
	kind := sdk.BlobCreated
	if e.Deleted {
		kind = sdk.BlobDeleted
	}
	return lt.d.DeliverBlob(ctx, fn, &sdk.BlobEvent{Kind: kind, Key: e.Key, Size: e.Size, ContentType: e.ContentType, Time: e.Time})
}

func (lt *localTarget) FireSchedule(ctx context.Context, fn string, e providertest.ScheduleEvent) error {
	return lt.d.FireSchedule(ctx, fn, &sdk.ScheduleEvent{ID: e.ID, Time: e.Time})
}

func TestConformance(t *testing.T) { providertest.Run(t, localHarness{}) }
