package sdk

import (
	"context"
	"reflect"
	"time"
)

// MessageHandler handles one message from a topic subscription. Returning a
// non-nil error asks the platform to deliver the message again.
type MessageHandler func(ctx context.Context, m *Message) error

// BlobHandler handles one object-created or object-deleted event.
type BlobHandler func(ctx context.Context, e *BlobEvent) error

// ScheduleHandler handles one tick of a schedule.
type ScheduleHandler func(ctx context.Context, e *ScheduleEvent) error

// Message is a topic message delivered to a Message function.
type Message struct {
	ID          string            // the platform's message ID
	Topic       string            // the app's name for the topic
	Data        []byte            // the payload, already decoded from any transport encoding
	Attributes  map[string]string // metadata set by the publisher; never nil
	PublishTime time.Time         // zero if the platform does not report it
	Attempt     int               // 1 for the first delivery, when the platform reports it; 0 if unknown
	native
}

// BlobEventKind says what happened to an object.
type BlobEventKind string

// The blob event kinds.
const (
	BlobCreated BlobEventKind = "created"
	BlobDeleted BlobEventKind = "deleted"
)

// BlobEvent reports an object written to or deleted from a bucket.
type BlobEvent struct {
	Kind        BlobEventKind
	Bucket      string // the app's name for the bucket
	Key         string // the object key, already URL-decoded
	Size        int64  // bytes; 0 for deletions where the platform omits it
	ContentType string // empty where the platform omits it
	ETag        string
	Time        time.Time
	native
}

// ScheduleEvent is one tick of a Schedule function.
type ScheduleEvent struct {
	ID       string    // the platform's event ID
	Schedule string    // the schedule expression as declared
	Time     time.Time // the scheduled time of this tick
	native
}

// native stores the platform's own event and implements As.
type native struct{ v any }

// setNative records the platform's own event so that As can return it
// (provider.SetNative).
func (n *native) setNative(v any) { n.v = v }

// As lets handlers reach the platform's native event, gocloud-style: target
// must be a non-nil pointer; if the native event (or what it points to) is
// assignable to *target, As stores it and returns true. For example, on AWS:
//
//	var sqs events.SQSMessage
//	if m.As(&sqs) { ... }
func (n *native) As(target any) bool {
	if n.v == nil || target == nil {
		return false
	}
	t := reflect.ValueOf(target)
	if t.Kind() != reflect.Pointer || t.IsNil() {
		return false
	}
	dst := t.Elem()
	src := reflect.ValueOf(n.v)
	if src.Type().AssignableTo(dst.Type()) {
		dst.Set(src)
		return true
	}
	if src.Kind() == reflect.Pointer && !src.IsNil() && src.Elem().Type().AssignableTo(dst.Type()) {
		dst.Set(src.Elem())
		return true
	}
	return false
}
