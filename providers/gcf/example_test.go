package gcf_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// A Message function receiving a Pub/Sub CloudEvent, and an HTTP function,
// called through the handlers the shim registers with the framework.
func ExampleShim() {
	app := sdk.New("example", nil)
	app.Topic("orders", nil)
	app.Message("on-order", "orders", func(ctx context.Context, m *sdk.Message) error {
		fmt.Printf("message %s: %s %v (provider %s)\n", m.ID, m.Data, m.Attributes, sdk.InvocationFrom(ctx).Provider)
		return nil
	}, nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", sdk.InvocationFrom(r.Context()).Function)
	}), nil)

	s, err := gcf.New(app, &gcf.Options{Project: "my-project", Log: io.Discard})
	if err != nil {
		panic(err)
	}
	for _, f := range app.Functions() {
		fmt.Printf("entry point %s: %s\n", gcf.EntryPoint(f.Name()), gcf.SignatureOf(f))
	}

	onOrder, _ := s.CloudEventFunc("on-order")
	e := cloudevents.NewEvent()
	e.SetID("1")
	e.SetType(gcf.TypeMessagePublished)
	e.SetSource("//pubsub.googleapis.com/projects/my-project/topics/orders")
	e.SetData("application/json", map[string]any{
		"message": map[string]any{"data": "b3JkZXIgNDI=", "attributes": map[string]string{"k": "v"}, "messageId": "m-1"},
	})
	if err := onOrder(context.Background(), e); err != nil {
		panic(err)
	}

	web, _ := s.HTTPFunc("web")
	rec := httptest.NewRecorder()
	web(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Body.String())
	// Output:
	// entry point on-order: cloudevent
	// entry point web: http
	// message m-1: order 42 map[k:v] (provider gcp)
	// hello from web
}
