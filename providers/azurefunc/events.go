package azurefunc

import (
	"encoding/json"
	"github.com/faaskit/faas/sdk/provider"
	"strconv"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
)

// ServiceBusMessage is the native event of a Message function: the body and
// the trigger metadata of a serviceBusTrigger (topic subscription)
// invocation. Reach it with m.As(&sb).
type ServiceBusMessage struct {
	Body                  []byte
	MessageID             string
	DeliveryCount         int
	ContentType           string
	CorrelationID         string
	Subject               string
	SequenceNumber        int64
	EnqueuedTime          time.Time
	ApplicationProperties map[string]string
	// Metadata is every trigger metadata value as the host sent it.
	Metadata map[string]json.RawMessage
}

// messageFrom maps a serviceBusTrigger invocation to a Message. Service Bus
// application properties become Attributes (gocloud's azuresb driver
// publishes Message.Metadata as application properties), DeliveryCount
// the Attempt.
func messageFrom(req *InvokeRequest) (*sdk.Message, error) {
	raw, ok := req.Data[BindingMessage]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: Data has no %q binding", BindingMessage)
	}
	md := req.Metadata
	sb := &ServiceBusMessage{
		Body:          Bytes(raw),
		MessageID:     Scalar(md["MessageId"]),
		DeliveryCount: Int(md["DeliveryCount"]),
		ContentType:   Scalar(md["ContentType"]),
		CorrelationID: Scalar(md["CorrelationId"]),
		Subject:       firstNonEmpty(Scalar(md["Subject"]), Scalar(md["Label"])),
		EnqueuedTime:  parseTime(Scalar(md["EnqueuedTimeUtc"])),
		Metadata:      md,
	}
	sb.SequenceNumber, _ = strconv.ParseInt(Scalar(md["SequenceNumber"]), 10, 64)
	props, err := properties(md["ApplicationProperties"])
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: ApplicationProperties: %w", err)
	}
	if len(props) == 0 { // older extensions name them UserProperties
		if props, err = properties(md["UserProperties"]); err != nil {
			return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: UserProperties: %w", err)
		}
	}
	sb.ApplicationProperties = props
	m := &sdk.Message{ID: sb.MessageID, Data: sb.Body, Attributes: props, PublishTime: sb.EnqueuedTime, Attempt: sb.DeliveryCount}
	provider.SetNative(m, sb)
	return m, nil
}

// properties decodes an application-properties object; values of any JSON
// type become their text.
func properties(raw json.RawMessage) (map[string]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := Object(raw, &obj); err != nil {
		return nil, err
	}
	if len(obj) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		out[k] = Scalar(v)
	}
	return out, nil
}

// EventGridEvent is the native event of a BlobEvent function: the Event
// Grid event (Event Grid schema or CloudEvents 1.0 schema) delivered by an
// eventGridTrigger subscribed to the storage account's
// Microsoft.Storage.BlobCreated/BlobDeleted events.
type EventGridEvent struct {
	ID        string          `json:"id"`
	Topic     string          `json:"topic,omitempty"`
	Source    string          `json:"source,omitempty"` // CloudEvents
	Subject   string          `json:"subject"`
	EventType string          `json:"eventType,omitempty"`
	Type      string          `json:"type,omitempty"` // CloudEvents
	EventTime string          `json:"eventTime,omitempty"`
	Time      string          `json:"time,omitempty"` // CloudEvents
	Data      json.RawMessage `json:"data"`
}

// StorageBlobEventData is the data of a Microsoft.Storage.BlobCreated or
// BlobDeleted event.
type StorageBlobEventData struct {
	API           string `json:"api"`
	ETag          string `json:"eTag"`
	ContentType   string `json:"contentType"`
	ContentLength int64  `json:"contentLength"`
	BlobType      string `json:"blobType"`
	URL           string `json:"url"`
	Sequencer     string `json:"sequencer"`
}

// Event types of blob events.
const (
	EventBlobCreated = "Microsoft.Storage.BlobCreated"
	EventBlobDeleted = "Microsoft.Storage.BlobDeleted"
)

// blobEventFrom maps an eventGridTrigger invocation to a BlobEvent; nil if
// the event is not a blob creation or deletion.
func blobEventFrom(req *InvokeRequest) (*sdk.BlobEvent, error) {
	raw, ok := req.Data[BindingEvent]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: Data has no %q binding", BindingEvent)
	}
	var ev EventGridEvent
	if err := Object(raw, &ev); err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: event grid event: %w", err)
	}
	var kind sdk.BlobEventKind
	switch firstNonEmpty(ev.EventType, ev.Type) {
	case EventBlobCreated:
		kind = sdk.BlobCreated
	case EventBlobDeleted:
		kind = sdk.BlobDeleted
	default:
		return nil, nil
	}
	var data StorageBlobEventData
	if len(ev.Data) > 0 {
		if err := Object(ev.Data, &data); err != nil {
			return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: blob event data: %w", err)
		}
	}
	_, key, ok := strings.Cut(ev.Subject, "/blobs/")
	if !ok || key == "" {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: blob event subject %q has no /blobs/<name>", ev.Subject)
	}
	e := &sdk.BlobEvent{Kind: kind, Key: key, ContentType: data.ContentType, ETag: data.ETag, Time: parseTime(firstNonEmpty(ev.EventTime, ev.Time))}
	if kind == sdk.BlobCreated {
		e.Size = data.ContentLength
	}
	provider.SetNative(e, &ev)
	return e, nil
}

// TimerInfo is the native event of a Schedule function: Data["timer"] of a
// timerTrigger invocation.
type TimerInfo struct {
	Schedule struct {
		AdjustForDST bool `json:"AdjustForDST"`
	} `json:"Schedule"`
	ScheduleStatus *struct {
		Last        string `json:"Last"`
		Next        string `json:"Next"`
		LastUpdated string `json:"LastUpdated"`
	} `json:"ScheduleStatus"`
	IsPastDue bool `json:"IsPastDue"`
}

// scheduleEventFrom maps a timerTrigger invocation to a ScheduleEvent. The
// tick's scheduled time is ScheduleStatus.Next, the occurrence the host
// computed at the previous run and is running now; without a schedule
// monitor it falls back to the invocation time (Metadata sys.UtcNow). The
// timer has no event ID, so the invocation ID serves.
func scheduleEventFrom(req *InvokeRequest, invocationID string) (*sdk.ScheduleEvent, error) {
	raw, ok := req.Data[BindingTimer]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: Data has no %q binding", BindingTimer)
	}
	var ti TimerInfo
	if err := Object(raw, &ti); err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: timer: %w", err)
	}
	var at time.Time
	if ti.ScheduleStatus != nil {
		at = parseTime(ti.ScheduleStatus.Next)
	}
	if at.IsZero() {
		var sys struct{ UtcNow string }
		if Object(req.Metadata["sys"], &sys) == nil {
			at = parseTime(sys.UtcNow)
		}
	}
	if at.IsZero() {
		at = time.Now().UTC()
	}
	e := &sdk.ScheduleEvent{ID: invocationID, Time: at}
	provider.SetNative(e, &ti)
	return e, nil
}

// parseTime parses the host's .NET DateTime renderings: RFC 3339 with or
// without fraction and zone (no zone means UTC). Zero if unparsable.
func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "01/02/2006 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
