package providertest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest/capp"
	"gocloud.dev/blob"
)

func readRecord[T any](ctx context.Context, t *testing.T, b *blob.Bucket, key string) (T, bool) {
	t.Helper()
	var v T
	data, err := b.ReadAll(ctx, key)
	if err != nil {
		return v, false
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("record %s: %v", key, err)
	}
	return v, true
}

func (s *suite) testMessage(t *testing.T) {
	ctx := ctxFor(t)
	deliver := func(m Message) error { return s.target.DeliverMessage(ctx, capp.MessageFunction, m) }
	t.Run("Fields", func(t *testing.T) {
		pub := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		data := []byte{0, 1, 2, 0xff, '{', '"'}
		m := Message{ID: "m-fields", Data: data, Attributes: map[string]string{"key": "fields", "color": "blue"}, Attempt: 1, Published: pub}
		if err := deliver(m); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		rec, ok := readRecord[capp.MessageRecord](ctx, t, s.records, "messages/fields/1.json")
		if !ok {
			t.Fatal("the handler did not run")
		}
		if rec.ID != "m-fields" || string(rec.Data) != string(data) || rec.Attributes["color"] != "blue" || rec.Topic != capp.InboxTopic {
			t.Errorf("handler saw %+v; want id m-fields, the binary data %v intact, attribute color=blue, topic %q", rec, data, capp.InboxTopic)
		}
		if rec.InvocationID == "" || !rec.HasDeadline {
			t.Errorf("invocation ID %q, deadline %v; want both", rec.InvocationID, rec.HasDeadline)
		}
	})
	t.Run("Independent", func(t *testing.T) {
		if err := deliver(Message{ID: "m-leak", Data: []byte(`{"leak":true}`), Attributes: map[string]string{"key": "leak-1", "leak": "yes"}, Attempt: 1}); err != nil {
			t.Fatalf("deliver first: %v", err)
		}
		// The second message has only its key; anything else it shows came from the first.
		if err := deliver(Message{ID: "m-clean", Data: []byte(`{}`), Attributes: map[string]string{"key": "leak-2"}, Attempt: 1}); err != nil {
			t.Fatalf("deliver second: %v", err)
		}
		rec, ok := readRecord[capp.MessageRecord](ctx, t, s.records, "messages/leak-2/1.json")
		if !ok {
			t.Fatal("second message not handled")
		}
		if len(rec.Attributes) != 1 || rec.ID != "m-clean" || string(rec.Data) != `{}` {
			t.Errorf("second message saw %+v; want only its own id, data and key attribute", rec)
		}
	})
	t.Run("RedeliveryOnError", func(t *testing.T) {
		var errs int
		for attempt := 1; attempt <= 5; attempt++ {
			err := deliver(Message{ID: "m-retry", Data: []byte("retry me"), Attributes: map[string]string{"key": "retry", "fail": "2"}, Attempt: attempt})
			if err == nil {
				break
			}
			errs++
		}
		if errs != 2 {
			t.Errorf("a message failing twice was reported failed %d times; want 2 then acknowledged", errs)
		}
		if _, ok := readRecord[capp.MessageRecord](ctx, t, s.records, "messages/retry/3.json"); !ok {
			t.Error("third delivery not recorded")
		}
		if _, ok := readRecord[capp.MessageRecord](ctx, t, s.records, "messages/retry/4.json"); ok {
			t.Error("message delivered again after it was acknowledged")
		}
	})
	t.Run("ErrorCodeNotAcknowledged", func(t *testing.T) {
		for _, c := range []sdk.Code{sdk.CodeInvalidInput, sdk.CodeUnavailable, sdk.CodeInternal} {
			key := "code-" + c.String()
			if err := deliver(Message{ID: "m-" + key, Data: []byte("x"), Attributes: map[string]string{"key": key, "code": c.String()}, Attempt: 1}); err == nil {
				t.Errorf("handler failing with %s: acknowledged; want a failed delivery", c)
			}
		}
	})
	t.Run("EveryErrorRetriedThenDeadLettered", s.testErrorRule)
	t.Run("PanicRecovered", func(t *testing.T) {
		if err := deliver(Message{ID: "m-panic", Data: []byte("p"), Attributes: map[string]string{"key": "panic", "panic": "1"}, Attempt: 1}); err == nil {
			t.Error("a panicking handler was acknowledged; want a failed delivery")
		}
		if err := deliver(Message{ID: "m-panic", Data: []byte("p"), Attributes: map[string]string{"key": "panic", "panic": "1"}, Attempt: 2}); err != nil {
			t.Errorf("delivery after a panic: %v; want success from the same, still running, provider", err)
		}
	})
}

func (s *suite) testBlob(t *testing.T) {
	ctx := ctxFor(t)
	cases := []BlobEvent{
		{ID: "b1", Key: "docs/report 2026.pdf", Size: 12345, ContentType: "application/pdf", Time: time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)},
		{ID: "b2", Key: "a+b/ü ñ.txt", Size: 7, ContentType: "text/plain"},
		{ID: "b3", Key: "gone.bin", Deleted: true},
	}
	omits := false
	if o, ok := s.target.(BlobContentTypeOmitter); ok {
		omits = o.OmitsBlobContentType()
	}
	for _, c := range cases {
		if err := s.target.DeliverBlob(ctx, capp.BlobFunction, c); err != nil {
			t.Fatalf("deliver blob event %s: %v", c.Key, err)
		}
		rec, ok := readRecord[capp.BlobRecord](ctx, t, s.records, "blobs/"+c.Key+".json")
		if !ok {
			t.Fatalf("blob event for %q not handled (or its key was mangled)", c.Key)
		}
		want := sdk.BlobCreated
		if c.Deleted {
			want = sdk.BlobDeleted
		}
		if rec.Kind != want || rec.Key != c.Key || rec.Bucket != capp.UploadsBucket || rec.InvocationID == "" {
			t.Errorf("blob event %q: handler saw %+v; want kind %s, bucket %q", c.Key, rec, want, capp.UploadsBucket)
		}
		wantType := c.ContentType
		if omits {
			wantType = ""
		}
		if !c.Deleted && (rec.Size != c.Size || rec.ContentType != wantType) {
			t.Errorf("blob event %q: size %d type %q; want %d %q", c.Key, rec.Size, rec.ContentType, c.Size, wantType)
		}
	}
}

func (s *suite) testSchedule(t *testing.T) {
	ctx := ctxFor(t)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if err := s.target.FireSchedule(ctx, capp.ScheduleFunction, ScheduleEvent{ID: "tick-1", Time: at}); err != nil {
		t.Fatalf("fire schedule: %v", err)
	}
	var found *capp.ScheduleRecord
	iter := s.records.List(&blob.ListOptions{Prefix: "schedules/"})
	for {
		obj, err := iter.Next(ctx)
		if err != nil {
			break
		}
		rec, ok := readRecord[capp.ScheduleRecord](ctx, t, s.records, obj.Key)
		if ok && rec.Time.Equal(at) {
			found = &rec
		}
	}
	if found == nil {
		t.Fatalf("schedule tick at %v not handled", at)
	}
	if found.Schedule != capp.ScheduleExpr || found.InvocationID == "" || found.ID == "" {
		t.Errorf("schedule record %+v; want schedule %q, an event ID and an invocation ID", *found, capp.ScheduleExpr)
	}
}

// errorRuleCodes are the codes a message handler can fail with.
var errorRuleCodes = []sdk.Code{sdk.CodeUnknown, sdk.CodeInvalidInput, sdk.CodeNotFound, sdk.CodeConflict, sdk.CodeFailedPrecondition,
	sdk.CodeUnauthenticated, sdk.CodeForbidden, sdk.CodeUnavailable, sdk.CodeInternal}

// testErrorRule checks the one message error rule every provider follows:
// a handler error, whatever its code, is a failed delivery; the message is
// delivered again until MaxAttempts deliveries, then dead-lettered.
func (s *suite) testErrorRule(t *testing.T) {
	ctx := ctxFor(t)
	for _, c := range errorRuleCodes {
		key := "rule-" + c.String()
		dead, err := s.publish(ctx, Message{ID: "m-" + key, Data: []byte("x"), Attributes: map[string]string{"key": key, "fail": "99", "code": c.String()}})
		n := s.deliveries(ctx, key)
		if err != nil || !dead || n != capp.MessageMaxAttempts {
			t.Errorf("handler always failing with %s: %d deliveries, dead-lettered %v (%v); want %d deliveries, then dead-lettered", c, n, dead, err, capp.MessageMaxAttempts)
		}
	}
	dead, err := s.publish(ctx, Message{ID: "m-rule-once", Data: []byte("x"), Attributes: map[string]string{"key": "rule-once", "fail": "1", "code": sdk.CodeInvalidInput.String()}})
	if n := s.deliveries(ctx, "rule-once"); err != nil || dead || n != 2 {
		t.Errorf("handler failing once with invalid_input: %d deliveries, dead-lettered %v (%v); want 2 deliveries, acknowledged", n, dead, err)
	}
}

// publish runs m through the target's redelivery loop, or through the
// platform's as the suite models it: deliver with Attempt 1, 2, … until
// acknowledged or MaxAttempts deliveries have failed.
func (s *suite) publish(ctx context.Context, m Message) (bool, error) {
	if r, ok := s.target.(Redeliverer); ok {
		return r.Publish(ctx, capp.MessageFunction, m)
	}
	for m.Attempt = 1; m.Attempt <= capp.MessageMaxAttempts; m.Attempt++ {
		if s.target.DeliverMessage(ctx, capp.MessageFunction, m) == nil {
			return false, nil
		}
	}
	return true, nil
}

// deliveries counts the deliveries the message function recorded for key.
func (s *suite) deliveries(ctx context.Context, key string) int {
	n := 0
	iter := s.records.List(&blob.ListOptions{Prefix: "messages/" + key + "/"})
	for {
		if _, err := iter.Next(ctx); err != nil {
			return n
		}
		n++
	}
}
