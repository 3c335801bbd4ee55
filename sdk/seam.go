package sdk

import (
	"context"
	"net/http"

	"github.com/faaskit/faas/sdk/internal/seam"
)

// init gives sdk/provider its entry points; see package seam.
func init() {
	seam.Bind = func(app, b any, lookup func(string) (string, bool)) {
		bb, _ := b.(binder) // nil stays nil: open from URLs
		app.(*App).bind(bb, lookup)
	}
	seam.HTTPHandler = func(f any) http.Handler { return httpHandler{f.(*Function)} }
	seam.HandleMessage = func(ctx context.Context, f, m any) error {
		return f.(*Function).handleMessage(ctx, m.(*Message))
	}
	seam.HandleBlob = func(ctx context.Context, f, e any) error {
		return f.(*Function).handleBlob(ctx, e.(*BlobEvent))
	}
	seam.HandleSchedule = func(ctx context.Context, f, e any) error {
		return f.(*Function).handleSchedule(ctx, e.(*ScheduleEvent))
	}
	seam.SetNative = func(e, v any) {
		switch e := e.(type) {
		case *Message:
			e.setNative(v)
		case *BlobEvent:
			e.setNative(v)
		case *ScheduleEvent:
			e.setNative(v)
		}
	}
}
