package funchost

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/providers/azurefunc/hostjson"
	"github.com/faaskit/faas/sdk"
)

// serialize renders a scalar as the host does for metadata
// (JsonConvert.SerializeObject of a non-object): strings arrive
// JSON-quoted inside a JSON string, numbers as their text.
func serialize(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// triggerOf returns the Azure function (folder) name and the trigger
// binding of function, which is either the folder name itself or, for the
// faas layout, the sdk name of a folder named with a trigger key
// (azurefunc.TriggerFunctionName).
func (h *Host) triggerOf(function, want string) (string, hostjson.Binding, error) {
	folder := function
	fj, ok := h.funcs[folder]
	if !ok {
		for name, f := range h.funcs {
			if n, _, keyed := azurefunc.SplitTriggerFunctionName(name); keyed && n == function {
				folder, fj, ok = name, f, true
				break
			}
		}
	}
	if !ok {
		return "", hostjson.Binding{}, fmt.Errorf("funchost: no function %q in the app", function)
	}
	t, _ := fj.Trigger()
	if t.Type != want {
		return "", hostjson.Binding{}, fmt.Errorf("funchost: function %q has a %s, not a %s", function, t.Type, want)
	}
	return folder, t, nil
}

// DeliverMessage delivers m once to a serviceBusTrigger function, with
// DeliveryCount = m.Attempt (1 if unset) and m.Attributes as application
// properties. A non-nil error means the host would abandon the message
// (and Service Bus deliver it again).
func (h *Host) DeliverMessage(ctx context.Context, function string, m *sdk.Message) error {
	folder, t, err := h.triggerOf(function, "serviceBusTrigger")
	if err != nil {
		return err
	}
	attempt := max(m.Attempt, 1)
	id := m.ID
	if id == "" {
		id = newGUID()
	}
	enq := m.PublishTime
	if enq.IsZero() {
		enq = time.Now()
	}
	var data any
	if t.DataType == "binary" {
		data = base64.StdEncoding.EncodeToString(m.Data) // byte[]
	} else {
		data = serialize(string(m.Data)) // string, serialized once more
	}
	props := map[string]any{}
	for k, v := range m.Attributes {
		props[k] = v
	}
	md := map[string]any{
		"DeliveryCount":         strconv.Itoa(attempt),
		"MessageId":             serialize(id),
		"ContentType":           serialize("application/octet-stream"),
		"SequenceNumber":        "1",
		"EnqueuedTimeUtc":       enq.UTC().Format("2006-01-02T15:04:05.9999999"),
		"ExpiresAtUtc":          enq.Add(14 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.9999999"),
		"LockToken":             serialize(newGUID()),
		"ApplicationProperties": props,
		"UserProperties":        props,
		"MessageReceiver":       map[string]any{},
		"MessageActions":        map[string]any{},
	}
	_, err = h.invoke(ctx, folder, map[string]any{t.Name: data}, md)
	return err
}

// ErrDeadLettered is returned by Send when every delivery failed.
var ErrDeadLettered = errors.New("funchost: message dead-lettered after the maximum delivery count")

// Send emulates a Service Bus subscription in peek-lock mode: it delivers
// m until the function succeeds or Options.MaxDeliveryCount deliveries
// have failed (then the message is dead-lettered). It returns the number
// of deliveries made.
func (h *Host) Send(ctx context.Context, function string, m *sdk.Message) (int, error) {
	var last error
	for n := 1; n <= h.opts.MaxDeliveryCount; n++ {
		mm := *m
		mm.Attempt = n
		if last = h.DeliverMessage(ctx, function, &mm); last == nil {
			return n, nil
		}
		var ie *InvocationError
		if !errors.As(last, &ie) {
			return n, last // not a failed invocation: the host itself broke
		}
	}
	return h.opts.MaxDeliveryCount, fmt.Errorf("%w: %v", ErrDeadLettered, last)
}

// DeliverBlob delivers one Microsoft.Storage.BlobCreated/BlobDeleted event
// (Event Grid schema) to an eventGridTrigger function, as the storage
// account's Event Grid subscription would.
func (h *Host) DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error {
	folder, t, err := h.triggerOf(function, "eventGridTrigger")
	if err != nil {
		return err
	}
	container := e.Bucket
	if container == "" {
		container = "container"
	}
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	evType, api := "Microsoft.Storage.BlobCreated", "PutBlob"
	data := map[string]any{
		"api": api, "clientRequestId": newGUID(), "requestId": newGUID(), "eTag": e.ETag,
		"contentType": e.ContentType, "contentLength": e.Size, "blobType": "BlockBlob",
		"url":                "https://devstoreaccount1.blob.core.windows.net/" + container + "/" + escapeKey(e.Key),
		"sequencer":          fmt.Sprintf("%032x", at.UnixNano()),
		"storageDiagnostics": map[string]any{"batchId": newGUID()},
	}
	if e.Kind == sdk.BlobDeleted {
		evType = "Microsoft.Storage.BlobDeleted"
		data["api"] = "DeleteBlob"
		delete(data, "contentLength")
	}
	ev := map[string]any{
		"id":              newGUID(),
		"topic":           "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/faas/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
		"subject":         "/blobServices/default/containers/" + container + "/blobs/" + e.Key,
		"eventType":       evType,
		"eventTime":       at.UTC().Format(time.RFC3339Nano),
		"data":            data,
		"dataVersion":     "",
		"metadataVersion": "1",
	}
	_, err = h.invoke(ctx, folder, map[string]any{t.Name: ev}, nil)
	return err
}

func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// FireSchedule delivers one timer tick: TimerInfo with ScheduleStatus.Next
// = e.Time (the occurrence being run) and Last = the previous tick fired
// through this Host.
func (h *Host) FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error {
	folder, t, err := h.triggerOf(function, "timerTrigger")
	if err != nil {
		return err
	}
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	h.mu.Lock()
	last, ok := h.lastTick[function]
	h.lastTick[function] = at
	h.mu.Unlock()
	if !ok {
		last = at
	}
	timer := map[string]any{
		"Schedule":       map[string]any{"AdjustForDST": true},
		"ScheduleStatus": map[string]any{"Last": last.UTC().Format(time.RFC3339Nano), "Next": at.UTC().Format(time.RFC3339Nano), "LastUpdated": last.UTC().Format(time.RFC3339Nano)},
		"IsPastDue":      false,
	}
	_, err = h.invoke(ctx, folder, map[string]any{t.Name: timer}, nil)
	return err
}
