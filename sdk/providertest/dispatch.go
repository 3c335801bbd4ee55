package providertest

import (
	"bytes"
	"context"
	"sync"

	"github.com/faaskit/faas/sdk"
)

// EventHost is what a provider's local host (the Lambda Runtime API host,
// the functions-framework host, the Functions host, faas dev's dispatcher)
// offers for non-HTTP functions: each method turns the portable event
// into the platform's native one and passes it through the real entry
// point. EventTarget adapts it to the Target event methods.
type EventHost interface {
	DeliverMessage(ctx context.Context, function string, m *sdk.Message) error
	DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error
	FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error
}

// EventTarget implements Target's DeliverMessage, DeliverBlob and
// FireSchedule on an EventHost; embed it and add Do to make a Target.
type EventTarget struct {
	Host EventHost
	// Bucket, if set, is the bucket name blob events carry (some
	// platforms' events name it; capp.UploadsBucket for the suite).
	Bucket string
}

// DeliverMessage implements Target.
func (t EventTarget) DeliverMessage(ctx context.Context, function string, m Message) error {
	return t.Host.DeliverMessage(ctx, function, &sdk.Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, Attempt: m.Attempt, PublishTime: m.Published})
}

// DeliverBlob implements Target.
func (t EventTarget) DeliverBlob(ctx context.Context, function string, e BlobEvent) error {
	kind := sdk.BlobCreated
	if e.Deleted {
		kind = sdk.BlobDeleted
	}
	return t.Host.DeliverBlob(ctx, function, &sdk.BlobEvent{Kind: kind, Bucket: t.Bucket, Key: e.Key, Size: e.Size, ContentType: e.ContentType, Time: e.Time})
}

// FireSchedule implements Target.
func (t EventTarget) FireSchedule(ctx context.Context, function string, e ScheduleEvent) error {
	return t.Host.FireSchedule(ctx, function, &sdk.ScheduleEvent{ID: e.ID, Time: e.Time})
}

// Output collects a provider process's output, safely from several
// goroutines, for failure reports.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Tail returns at most the last n bytes written.
func (o *Output) Tail(n int) string {
	s := o.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
