package provider_test

import (
	"context"
	"fmt"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/provider"
)

// A shim decodes its platform's event, attaches an Invocation, and runs the
// function the event is for.
func Example() {
	app := sdk.New("shop", nil)
	app.Topic("orders", nil)
	app.Message("on-order", "orders", func(ctx context.Context, m *sdk.Message) error {
		fmt.Printf("%s got %s from %s\n", sdk.InvocationFrom(ctx).Function, m.Data, m.Topic)
		return nil
	}, nil)
	provider.Bind(app, nil, nil) // open resources from FAAS_* URLs in the environment

	f, _ := app.Function("on-order")
	ctx := provider.NewContext(context.Background(), &sdk.Invocation{ID: "evt-1", Function: f.Name(), Provider: "example"})
	if err := provider.HandleMessage(ctx, f, &sdk.Message{ID: "evt-1", Data: []byte(`{"id":7}`)}); err != nil {
		fmt.Println("redeliver:", err)
	}
	// Output: on-order got {"id":7} from orders
}
