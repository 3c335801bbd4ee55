package lambdahost

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/sdk"
)

// ServeHTTP sends the request, as an API Gateway HTTP API (payload 2.0)
// event, to the HTTP function whose path prefix matches longest, and
// writes the function's response back as API Gateway would: a function
// error is 500 {"message":"Internal Server Error"}, a timeout 503, and a
// response without statusCode is taken as a 200 JSON body.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fn, ok := h.route(r.URL.Path)
	if !ok {
		writeGatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	event, err := NewHTTPEvent(r, h.opts.Region)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			writeGatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		writeGatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	out, err := h.Invoke(r.Context(), fn, event)
	if err != nil {
		var fe *FunctionError
		switch {
		case errors.As(err, &fe) && fe.Type == "Sandbox.Timedout":
			writeGatewayError(w, http.StatusServiceUnavailable, "Service Unavailable")
		default:
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		}
		return
	}
	if err := WriteHTTPResponse(w, r.Method, out); err != nil {
		writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

// route picks the HTTP function serving path.
func (h *Host) route(path string) (string, bool) {
	best, bestLen := "", -1
	for _, f := range h.manifest.Functions {
		if f.HTTP == nil {
			continue
		}
		p := f.HTTP.Path
		if strings.HasPrefix(path, p) && (p == path || strings.HasSuffix(p, "/") || path[len(p)] == '/') && len(p) > bestLen {
			best, bestLen = f.Name, len(p)
		}
	}
	return best, bestLen >= 0
}

func writeGatewayError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

// DeliverMessage delivers m to a Message function as a one-message SQS
// batch. The message failed if the function reports its ID in
// batchItemFailures, reports an unknown or empty identifier (Lambda then
// fails the whole batch) or fails the invocation.
func (h *Host) DeliverMessage(ctx context.Context, function string, m *sdk.Message) error {
	event := NewSQSEvent(m, h.manifest.App, h.opts.Region)
	payload, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("lambdahost: %w", err)
	}
	out, err := h.Invoke(ctx, function, payload)
	if err != nil {
		return err
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("lambdahost: SQS batch response %.200q: %w", out, err)
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == m.ID {
			return fmt.Errorf("lambdahost: message %s reported in batchItemFailures", m.ID)
		}
		return fmt.Errorf("lambdahost: batchItemFailures names %q, not a message of the batch: the whole batch failed", f.ItemIdentifier)
	}
	return nil
}

// DeliverBlob delivers e to a BlobEvent function as an S3 notification.
func (h *Host) DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error {
	payload, err := NewS3Event(e, h.opts.Region)
	if err != nil {
		return err
	}
	_, err = h.Invoke(ctx, function, payload)
	return err
}

// FireSchedule delivers e to a Schedule function as an EventBridge
// "Scheduled Event".
func (h *Host) FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error {
	payload, err := json.Marshal(NewScheduledEvent(e, h.manifest.App+"-"+function, h.opts.Region))
	if err != nil {
		return fmt.Errorf("lambdahost: %w", err)
	}
	_, err = h.Invoke(ctx, function, payload)
	return err
}

// NewSQSEvent returns the SQS event Lambda's event source mapping sends
// for m alone. Metadata is written the way gocloud.dev's awssnssqs
// publisher writes it (values URL-escaped; a non-UTF-8 body base64'd and
// flagged with the "base64encoded" attribute).
func NewSQSEvent(m *sdk.Message, app, region string) *events.SQSEvent {
	attempt := m.Attempt
	if attempt <= 0 {
		attempt = 1
	}
	sent := m.PublishTime
	if sent.IsZero() {
		sent = time.Now()
	}
	body := string(m.Data)
	attrs := map[string]events.SQSMessageAttribute{}
	if !isUTF8(m.Data) {
		body = base64.StdEncoding.EncodeToString(m.Data)
		attrs["base64encoded"] = stringAttr("true")
	}
	for k, v := range m.Attributes {
		attrs[escapeKey(k)] = stringAttr(escapeValue(v))
	}
	sum := md5.Sum([]byte(body))
	topic := m.Topic
	if topic == "" {
		topic = "queue"
	}
	return &events.SQSEvent{Records: []events.SQSMessage{{
		MessageId:     m.ID,
		ReceiptHandle: newID(),
		Body:          body,
		Md5OfBody:     hex.EncodeToString(sum[:]),
		Attributes: map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(attempt),
			"SentTimestamp":                    strconv.FormatInt(sent.UnixMilli(), 10),
			"SenderId":                         "AIDAIENQZJOLO23YVJ4VO",
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10),
		},
		MessageAttributes: attrs,
		EventSource:       "aws:sqs",
		EventSourceARN:    fmt.Sprintf("arn:aws:sqs:%s:%s:%s-%s", region, AccountID, app, topic),
		AWSRegion:         region,
	}}}
}

func stringAttr(v string) events.SQSMessageAttribute {
	return events.SQSMessageAttribute{StringValue: &v, DataType: "String"}
}

// NewScheduledEvent returns the EventBridge "Scheduled Event" for e.
func NewScheduledEvent(e *sdk.ScheduleEvent, rule, region string) *events.EventBridgeEvent {
	id := e.ID
	if id == "" {
		id = newID()
	}
	return &events.EventBridgeEvent{
		Version: "0", ID: id, DetailType: "Scheduled Event", Source: "aws.events", AccountID: AccountID,
		Time: e.Time.UTC(), Region: region,
		Resources: []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, AccountID, rule)},
		Detail:    json.RawMessage("{}"),
	}
}
