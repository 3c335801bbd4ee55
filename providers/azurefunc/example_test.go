package azurefunc_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
)

func ExampleNCRONTAB() {
	for _, expr := range []string{"rate(15 minutes)", "cron(30 2 * * 1-5)", "rate(90 minutes)"} {
		s, _ := sdk.ParseSchedule(expr)
		cron, err := azurefunc.NCRONTAB(s)
		fmt.Printf("%s → %q %v\n", expr, cron, err != nil)
	}
	// Output:
	// rate(15 minutes) → "0 */15 * * * *" false
	// cron(30 2 * * 1-5) → "0 30 2 * * 1-5" false
	// rate(90 minutes) → "" true
}

// A Service Bus delivery as the Functions host posts it in JSON mode: the
// body base64 (dataType binary), scalars JSON-encoded twice.
func ExampleHandler_serviceBus() {
	app := sdk.New("shop", nil)
	app.Topic("orders", nil)
	app.Message("on-order", "orders", func(ctx context.Context, m *sdk.Message) error {
		fmt.Printf("%s attempt %d: %s (%s)\n", m.ID, m.Attempt, m.Data, m.Attributes["source"])
		return nil
	}, nil)
	// faas build picks a random trigger key and names the Azure function
	// on-order_<key>, the only path the handler delivers it on.
	const key = "5f1d7c9a0b3e4f6a8c2d1e0f9a8b7c6d"
	h, err := azurefunc.NewHandler(app, &azurefunc.Options{TriggerKey: key, Log: io.Discard})
	if err != nil {
		panic(err)
	}
	body := `{"Data":{"msg":"eyJxdHkiOjJ9"},"Metadata":{"MessageId":"\"o-1\"","DeliveryCount":"1","ApplicationProperties":{"source":"web"}}}`
	req := httptest.NewRequest("POST", "/"+azurefunc.TriggerFunctionName("on-order", key), strings.NewReader(body))
	req.Header.Set(azurefunc.HeaderInvocationID, "3f0c1a52-0000-4000-8000-000000000001")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// o-1 attempt 1: {"qty":2} (web)
	// 200
}
