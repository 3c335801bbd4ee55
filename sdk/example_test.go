package sdk_test

import (
	"context"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	_ "gocloud.dev/docstore/memdocstore"
)

// A client-side error keeps its message; an unavailable one is answered
// with a stable message and the invocation ID, and its detail is logged.
func ExampleWriteErrorContext() {
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	ctx := provider.NewContext(context.Background(), &sdk.Invocation{ID: "req-7", Logger: log})

	rec := httptest.NewRecorder()
	sdk.WriteErrorContext(ctx, rec, sdk.FieldError("title", "title is required"))
	fmt.Print(rec.Code, " ", rec.Body)

	rec = httptest.NewRecorder()
	sdk.WriteErrorContext(ctx, rec, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: get alice/123: connection refused")))
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// 400 {"error":{"code":"invalid_input","message":"title is required","field":"title"}}
	// level=ERROR msg="request failed" code=unavailable request_id=req-7 error="todo: get alice/123: connection refused"
	// 503 {"error":{"code":"unavailable","message":"the service is temporarily unavailable; try again","request_id":"req-7"}}
}

// CodeOf classifies gocloud.dev errors, so a handler can pass a store's
// error straight to WriteError.
func ExampleCodeOf() {
	ctx := context.Background()
	coll, _ := docstore.OpenCollection(ctx, "mem://todos/id")
	defer coll.Close()
	coll.Create(ctx, map[string]any{"id": "a"})

	fmt.Println(sdk.CodeOf(coll.Get(ctx, map[string]any{"id": "missing"})))
	fmt.Println(sdk.CodeOf(coll.Create(ctx, map[string]any{"id": "a"})))
	fmt.Println(sdk.CodeOf(fmt.Errorf("todo: %w", context.DeadlineExceeded)))
	fmt.Println(sdk.CodeOf(sdk.Errorf(sdk.CodeForbidden, "not yours")))
	// Output:
	// not_found
	// conflict
	// unavailable
	// forbidden
}

// An app is a set of named functions and resources; its manifest is what
// faas dev, faas build and the deployers read.
func ExampleNew() {
	a := sdk.New("shop", nil)
	a.Collection("orders", &sdk.CollectionOptions{
		Indexes: []sdk.Index{{Partition: "customer", Sort: "placed_at"}},
	})
	a.Topic("placed", nil)
	a.HTTP("api", http.NotFoundHandler(), nil)
	a.Message("record", "placed", func(ctx context.Context, m *sdk.Message) error { return nil }, &sdk.MessageOptions{MaxAttempts: 5})
	a.Schedule("nightly", "cron(0 3 * * *)", func(ctx context.Context, e *sdk.ScheduleEvent) error { return nil }, nil)
	if err := a.Err(); err != nil {
		fmt.Println(err)
		return
	}
	m := a.Manifest()
	for _, f := range m.Functions {
		fmt.Println("function", f.Name, f.Kind)
	}
	for _, r := range m.Resources {
		fmt.Println("resource", r.Name, r.Kind, r.Env)
	}
	// Output:
	// function api http
	// function record message
	// function nightly schedule
	// resource orders collection FAAS_COLLECTION_ORDERS
	// resource placed topic FAAS_TOPIC_PLACED
}

// Registration mistakes are all reported together, before anything serves.
func ExampleApp_Err() {
	a := sdk.New("shop", nil)
	a.Message("record", "missing-topic", func(ctx context.Context, m *sdk.Message) error { return nil }, nil)
	a.Schedule("bad", "every tuesday", func(ctx context.Context, e *sdk.ScheduleEvent) error { return nil }, nil)
	a.Collection("Orders", nil)
	fmt.Println(a.Err() != nil)
	// Output: true
}
