package awslambda

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/internal/jsonstr"
	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json"
)

// invokeSQS handles an SQS batch.
func (h *Handler) invokeSQS(ctx context.Context, st *invState, payload []byte) ([]byte, error) {
	recs, err := decodeRecords(payload, "SQS", sqsSource)
	if err != nil {
		return nil, err
	}
	st.setID(recs[0].MessageId)
	return h.handleSQS(ctx, recs), nil
}

// invokeSNS handles an SNS notification.
func (h *Handler) invokeSNS(ctx context.Context, st *invState, payload []byte) error {
	recs, err := decodeRecords(payload, "SNS", snsSource)
	if err != nil {
		return err
	}
	st.setID(recs[0].SNS.MessageID)
	return h.handleSNS(ctx, recs)
}

// invokeS3 handles S3 notifications.
func (h *Handler) invokeS3(ctx context.Context, st *invState, payload []byte) error {
	recs, err := decodeRecords(payload, "S3", s3Source)
	if err != nil {
		return err
	}
	return h.handleS3(ctx, recs)
}

// handleSQS runs every message of the batch and reports the failed ones in
// batchItemFailures (partial batch response). A FIFO queue stops at the
// first failure and reports it and every later message, so order holds.
func (h *Handler) handleSQS(ctx context.Context, recs []events.SQSMessage) []byte {
	out := make([]byte, 0, 64)
	out = append(out, `{"batchItemFailures":[`...)
	failed, fifo := 0, len(recs) > 0 && strings.HasSuffix(recs[0].EventSourceARN, ".fifo")
	for i := range recs {
		m := &recs[i]
		var err error
		if fifo && failed > 0 {
			err = errors.New("an earlier message of the FIFO batch failed")
		} else {
			err = provider.HandleMessage(ctx, h.fn, sqsMessage(m))
		}
		if err != nil {
			if failed > 0 {
				out = append(out, ',')
			}
			failed++
			out = append(out, `{"itemIdentifier":`...)
			out = jsonstr.Append(out, m.MessageId)
			out = append(out, '}')
			if !(fifo && failed > 1) {
				sdk.Logger(ctx).Error("message failed", "messageId", m.MessageId, "error", err.Error(), "errorType", errorType(err))
			}
		}
	}
	return append(out, "]}"...)
}

// sqsMessage maps one SQS record. Bodies and metadata are read the way
// gocloud.dev's awssnssqs publisher writes them: a "base64encoded"
// attribute flags a base64 body, keys are hex-escaped and values
// URL-escaped. An SNS envelope (a subscription without raw delivery) is
// unwrapped.
func sqsMessage(r *events.SQSMessage) *sdk.Message {
	m := &sdk.Message{ID: r.MessageId, Attributes: make(map[string]string, len(r.MessageAttributes))}
	body := r.Body
	b64 := false
	for k, a := range r.MessageAttributes {
		if k == "base64encoded" {
			b64 = true
			continue
		}
		if a.StringValue != nil {
			m.Attributes[unescapeKey(k)] = unescapeValue(*a.StringValue)
		}
	}
	if len(r.MessageAttributes) == 0 && strings.HasPrefix(body, "{") && strings.Contains(body, `"TopicArn"`) {
		body, b64 = unwrapSNSEnvelope(body, m.Attributes)
	}
	m.Data = []byte(body)
	if b64 {
		if d, err := base64.StdEncoding.DecodeString(body); err == nil {
			m.Data = d
		}
	}
	if ms, err := strconv.ParseInt(r.Attributes["SentTimestamp"], 10, 64); err == nil {
		m.PublishTime = time.UnixMilli(ms).UTC()
	}
	m.Attempt, _ = strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
	provider.SetNative(m, r)
	return m
}

// unwrapSNSEnvelope returns the message of an SNS notification delivered to
// SQS without raw message delivery, adding its attributes to attrs.
func unwrapSNSEnvelope(body string, attrs map[string]string) (string, bool) {
	// Only these members count: SNS's own JSON for SQS also spells some
	// others differently from the Lambda event (SigningCertURL).
	var env struct {
		Type              string         `json:"Type"`
		Message           string         `json:"Message"`
		MessageAttributes map[string]any `json:"MessageAttributes"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil || env.Type != "Notification" {
		return body, false
	}
	b64 := snsAttributes(env.MessageAttributes, attrs)
	return env.Message, b64
}

// snsAttributes copies SNS message attributes ({"Type":…,"Value":…}) into
// attrs and reports whether the body is flagged base64.
func snsAttributes(in map[string]any, attrs map[string]string) bool {
	b64 := false
	for k, v := range in {
		a, _ := v.(map[string]any)
		val, _ := a["Value"].(string)
		if k == "base64encoded" {
			b64 = true
			continue
		}
		attrs[unescapeKey(k)] = unescapeValue(val)
	}
	return b64
}

func (h *Handler) handleSNS(ctx context.Context, recs []events.SNSEventRecord) error {
	var errs []error
	for i := range recs {
		r := &recs[i]
		m := &sdk.Message{ID: r.SNS.MessageID, Attributes: map[string]string{}, PublishTime: r.SNS.Timestamp}
		body := r.SNS.Message
		if snsAttributes(r.SNS.MessageAttributes, m.Attributes) {
			if d, err := base64.StdEncoding.DecodeString(body); err == nil {
				m.Data = d
			}
		}
		if m.Data == nil {
			m.Data = []byte(body)
		}
		provider.SetNative(m, r)
		if err := provider.HandleMessage(ctx, h.fn, m); err != nil {
			errs = append(errs, fmt.Errorf("message %s: %w", r.SNS.MessageID, err))
		}
	}
	return errors.Join(errs...)
}

func (h *Handler) handleS3(ctx context.Context, recs []events.S3EventRecord) error {
	var errs []error
	for i := range recs {
		r := &recs[i]
		e, err := blobEvent(r)
		if err == nil {
			err = provider.HandleBlob(ctx, h.fn, e)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("s3 %s %q: %w", r.EventName, r.S3.Object.Key, err))
		}
	}
	return errors.Join(errs...)
}

// blobEvent maps an S3 notification. Object creation (Put, Post, Copy,
// CompleteMultipartUpload) is BlobCreated; deletion (Delete,
// DeleteMarkerCreated) and lifecycle expiration are BlobDeleted; other
// notifications (restore, replication, tiering, …) are an error.
func blobEvent(r *events.S3EventRecord) (*sdk.BlobEvent, error) {
	var kind sdk.BlobEventKind
	switch name := r.EventName; {
	case strings.HasPrefix(name, "ObjectCreated:"):
		kind = sdk.BlobCreated
	case strings.HasPrefix(name, "ObjectRemoved:"), strings.HasPrefix(name, "LifecycleExpiration:"):
		kind = sdk.BlobDeleted
	default:
		return nil, errUnknownEvent("S3 event " + name)
	}
	// The key is form-decoded (unmarshalS3Object). S3 notifications carry
	// no content type: ContentType stays empty.
	e := &sdk.BlobEvent{Kind: kind, Key: r.S3.Object.URLDecodedKey, Size: r.S3.Object.Size, ETag: r.S3.Object.ETag, Time: r.EventTime}
	provider.SetNative(e, r)
	return e, nil
}

// invokeSchedule handles an EventBridge (or Scheduler) "Scheduled Event".
func (h *Handler) invokeSchedule(ctx context.Context, st *invState, payload []byte) error {
	ev, err := decodeSchedule(payload)
	if err != nil {
		return err
	}
	st.setID(ev.ID)
	e := &sdk.ScheduleEvent{ID: ev.ID, Time: ev.Time}
	provider.SetNative(e, ev)
	return provider.HandleSchedule(ctx, h.fn, e)
}

// decodeSchedule decodes an EventBridge (or Scheduler) event.
func decodeSchedule(payload []byte) (*events.EventBridgeEvent, error) {
	ev := new(events.EventBridgeEvent)
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, decodeError("scheduled", err)
	}
	return ev, nil
}

// unescapeKey reverses gocloud.dev's hex escaping of metadata keys
// ("__0x2f__" → "/").
func unescapeKey(k string) string {
	if !strings.Contains(k, "__0x") {
		return k
	}
	var b strings.Builder
	for i := 0; i < len(k); {
		if strings.HasPrefix(k[i:], "__0x") {
			if end := strings.Index(k[i+4:], "__"); end > 0 {
				if r, err := strconv.ParseUint(k[i+4:i+4+end], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4 + end + 2
					continue
				}
			}
		}
		b.WriteByte(k[i])
		i++
	}
	return b.String()
}

// unescapeValue reverses gocloud.dev's URL escaping of metadata values.
func unescapeValue(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
