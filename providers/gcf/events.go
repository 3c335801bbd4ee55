package gcf

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/faaskit/faas/sdk/provider"
	"net/http"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/faaskit/faas/sdk"
)

// eventInvocation attaches an invocation to ctx for CloudEvent e. The
// CloudEvents receiver does not expose the HTTP headers, so the trace comes
// from the event's traceparent extension (set by Eventarc).
func (s *Shim) eventInvocation(ctx context.Context, f *sdk.Function, e *cloudevents.Event) (context.Context, context.CancelFunc) {
	var tc traceContext
	if tp, ok := e.Extensions()["traceparent"].(string); ok {
		tc, _ = parseTraceparent(tp)
	}
	return s.invocation(ctx, f, newID(), tc)
}

// eventResult maps a handler error to the CloudEvents HTTP result. Every
// failure is a 5xx so that Pub/Sub and Eventarc deliver the event again:
// GCP cannot drop a single message, so non-retryable codes also fail and the
// subscription's dead-letter policy (max delivery attempts) ends the loop.
// Unavailable is 503; everything else is 500.
func eventResult(err error) error {
	if err == nil {
		return nil
	}
	status := http.StatusInternalServerError
	if sdk.CodeOf(err) == sdk.CodeUnavailable {
		status = http.StatusServiceUnavailable
	}
	return cehttp.NewResult(status, "faas: %w", err)
}

// badEvent rejects an event the function cannot decode.
func badEvent(format string, args ...any) error {
	return cehttp.NewResult(http.StatusBadRequest, "faas: "+format, args...)
}

// messageHandler serves a Message function from messagePublished events.
// Each call decodes into a new MessagePublishedData: no field of one
// message can leak into the next.
func (s *Shim) messageHandler(f *sdk.Function) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, e cloudevents.Event) error {
		if e.Type() != TypeMessagePublished {
			return badEvent("function %q: event type %q; want %s", f.Name(), e.Type(), TypeMessagePublished)
		}
		m, err := decodeMessage(&e)
		if err != nil {
			return badEvent("function %q: %v", f.Name(), err)
		}
		ctx, cancel := s.eventInvocation(ctx, f, &e)
		defer cancel()
		err = provider.HandleMessage(ctx, f, m)
		if err != nil {
			sdk.Logger(ctx).Error("message handler failed", "error", err.Error(), "message_id", m.ID, "attempt", m.Attempt)
		}
		return eventResult(err)
	}
}

// decodeMessage converts a messagePublished event into a new sdk.Message.
func decodeMessage(e *cloudevents.Event) (*sdk.Message, error) {
	d := new(MessagePublishedData)
	if err := json.Unmarshal(e.Data(), d); err != nil {
		return nil, err
	}
	m := &sdk.Message{
		ID:         d.Message.MessageID,
		Data:       d.Message.Data,
		Attributes: d.Message.Attributes,
		Attempt:    d.DeliveryAttempt,
	}
	if m.ID == "" {
		m.ID = e.ID()
	}
	if m.Data == nil {
		m.Data = []byte{}
	}
	if m.Attributes == nil {
		m.Attributes = map[string]string{}
	}
	if t, err := time.Parse(time.RFC3339Nano, d.Message.PublishTime); err == nil {
		m.PublishTime = t.UTC()
	} else {
		m.PublishTime = e.Time().UTC()
	}
	provider.SetNative(m, &NativeEvent{Event: *e, Data: d})
	return m, nil
}

// NativeEvent is the native event of Message and BlobEvent functions: the
// CloudEvent and its decoded data (*MessagePublishedData or
// *StorageObjectData). Reach it with As:
//
//	var ne gcf.NativeEvent
//	if m.As(&ne) { d := ne.Data.(*gcf.MessagePublishedData); ... }
type NativeEvent struct {
	Event cloudevents.Event
	Data  any
}

// blobHandler serves a BlobEvent function from Cloud Storage object
// events. finalized becomes BlobCreated and deleted BlobDeleted; archived
// and metadataUpdated are acknowledged without calling the handler.
func (s *Shim) blobHandler(f *sdk.Function) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, e cloudevents.Event) error {
		var kind sdk.BlobEventKind
		switch e.Type() {
		case TypeObjectFinalized:
			kind = sdk.BlobCreated
		case TypeObjectDeleted:
			kind = sdk.BlobDeleted
		case TypeObjectArchived, TypeObjectMetadata:
			return nil
		default:
			return badEvent("function %q: event type %q; want %s or %s", f.Name(), e.Type(), TypeObjectFinalized, TypeObjectDeleted)
		}
		b, err := decodeBlob(&e, kind)
		if err != nil {
			return badEvent("function %q: %v", f.Name(), err)
		}
		ctx, cancel := s.eventInvocation(ctx, f, &e)
		defer cancel()
		err = provider.HandleBlob(ctx, f, b)
		if err != nil {
			sdk.Logger(ctx).Error("blob handler failed", "error", err.Error(), "key", b.Key, "kind", string(kind))
		}
		return eventResult(err)
	}
}

// decodeBlob converts a Cloud Storage object event into a new sdk.BlobEvent.
// Bucket is left empty: the sdk fills in the app's name for the bucket.
func decodeBlob(e *cloudevents.Event, kind sdk.BlobEventKind) (*sdk.BlobEvent, error) {
	d := new(StorageObjectData)
	if err := json.Unmarshal(e.Data(), d); err != nil {
		return nil, err
	}
	if d.Name == "" {
		return nil, errors.New("storage event without an object name")
	}
	b := &sdk.BlobEvent{Kind: kind, Key: d.Name, Size: int64(d.Size), ContentType: d.ContentType, ETag: d.ETag}
	stamp := d.Updated
	if kind == sdk.BlobDeleted && d.TimeDeleted != "" {
		stamp = d.TimeDeleted
	}
	if t, err := time.Parse(time.RFC3339Nano, stamp); err == nil {
		b.Time = t.UTC()
	} else {
		b.Time = e.Time().UTC()
	}
	provider.SetNative(b, &NativeEvent{Event: *e, Data: d})
	return b, nil
}
