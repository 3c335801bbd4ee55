package providertest

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Harness starts the conformance app under one provider.
type Harness interface {
	// Start runs capp.App under the provider with env added to the app's
	// environment (it binds FAAS_BUCKET_RECORDS and friends) and returns a
	// Target. Start must arrange shutdown with t.Cleanup.
	Start(t *testing.T, env map[string]string) Target
}

// Target is the conformance app running under a provider. Each method acts
// as the platform would: it turns the portable input into the platform's
// native event, passes it through the provider's real entry point, and
// reports the outcome as the platform would see it.
type Target interface {
	// Do sends an HTTP request to the app's HTTP function as a client of the
	// platform would (for AWS: as an API Gateway event, and so on). req.URL
	// is relative to the app's base URL: only its path and query are used.
	Do(req *http.Request) (*http.Response, error)
	// DeliverMessage delivers m once to the message function. It returns nil
	// when the platform would consider the message acknowledged and a
	// non-nil error when it would deliver it again.
	DeliverMessage(ctx context.Context, function string, m Message) error
	// DeliverBlob delivers one blob event to the blob function.
	DeliverBlob(ctx context.Context, function string, e BlobEvent) error
	// FireSchedule delivers one schedule tick to the schedule function.
	FireSchedule(ctx context.Context, function string, e ScheduleEvent) error
}

// Redeliverer is implemented by a Target whose redelivery loop is faas
// code rather than the platform's (faas dev's broker, and the emulators
// standing in for the platform). For other targets the suite runs the
// loop itself through DeliverMessage, as the platform's queue does once
// the deployer has set its limit to MaxAttempts.
type Redeliverer interface {
	// Publish hands m to the platform's delivery loop for function and
	// returns once the loop is done with it: acknowledged (false) or
	// dead-lettered after the function's MaxAttempts deliveries (true).
	Publish(ctx context.Context, function string, m Message) (deadLettered bool, err error)
}

// BlobContentTypeOmitter is implemented by a Target whose platform's blob
// notifications carry no content type (AWS S3 event notifications). For it
// the suite requires BlobEvent.ContentType to be empty, so that a local
// stand-in cannot hand the app what the platform never sends.
type BlobContentTypeOmitter interface {
	// OmitsBlobContentType reports that blob events arrive without a
	// content type.
	OmitsBlobContentType() bool
}

// Message is a portable message for DeliverMessage.
type Message struct {
	ID         string
	Data       []byte
	Attributes map[string]string // nil means none at all (the platform field is absent)
	Attempt    int               // 1-based delivery count as the platform reports it
	Published  time.Time
}

// BlobEvent is a portable blob event for DeliverBlob.
type BlobEvent struct {
	ID          string
	Deleted     bool
	Key         string // unescaped; the target escapes it as the platform does
	Size        int64
	ContentType string
	Time        time.Time
}

// ScheduleEvent is a portable schedule tick for FireSchedule.
type ScheduleEvent struct {
	ID   string
	Time time.Time
}
