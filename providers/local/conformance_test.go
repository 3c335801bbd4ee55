package local

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/local/broker"
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
	srv, err := NewServer(t.Context(), app.Manifest(), d, &ServerOptions{DataDir: t.TempDir(), BaseURL: "http://127.0.0.1:0",
		Broker: broker.Options{BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	provider.Bind(app, devbind.New(t.TempDir(), srv), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	hs := httptest.NewServer(srv)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran; hs.Close(); srv.Close() })
	return &localTarget{EventTarget: providertest.EventTarget{Host: d}, d: d, srv: srv, base: hs.URL, client: hs.Client()}
}

type localTarget struct {
	providertest.EventTarget
	d      *InProcess
	srv    *Server
	base   string
	client *http.Client
}

// Publish implements providertest.Redeliverer through faas dev's broker:
// the message is published to the function's topic and the broker delivers
// it until it is acknowledged or dead-lettered.
func (lt *localTarget) Publish(ctx context.Context, fn string, m providertest.Message) (bool, error) {
	if fn != capp.MessageFunction {
		return false, fmt.Errorf("no topic feeds %s", fn)
	}
	if err := lt.srv.Publish(ctx, capp.InboxTopic, []*sdk.Message{{ID: m.ID, Data: m.Data, Attributes: m.Attributes, PublishTime: m.Published}}); err != nil {
		return false, err
	}
	for {
		n, err := lt.srv.Pending(ctx)
		if err != nil {
			return false, err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	dead, err := lt.srv.DeadLetters(ctx)
	if err != nil {
		return false, err
	}
	for _, d := range dead {
		var dm sdk.Message
		if json.Unmarshal(d.Payload, &dm) == nil && dm.ID == m.ID {
			return true, nil
		}
	}
	return false, nil
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

func TestConformance(t *testing.T) { providertest.Run(t, localHarness{}) }
