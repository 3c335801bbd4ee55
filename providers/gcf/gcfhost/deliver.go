package gcfhost

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// DeliveryError reports a delivery the function did not acknowledge: a
// non-2xx answer, which Pub/Sub, Eventarc and Cloud Scheduler retry.
type DeliveryError struct {
	Function string
	Status   int
	Body     string
}

// Error implements error.
func (e *DeliveryError) Error() string {
	return fmt.Sprintf("gcfhost: function %s answered %d: %.300s", e.Function, e.Status, e.Body)
}

func (h *Host) target(function string, kind sdk.Kind) (*process, error) {
	p, ok := h.funcs[function]
	if !ok {
		return nil, fmt.Errorf("gcfhost: no function %q", function)
	}
	if p.fn.Kind != kind {
		return nil, fmt.Errorf("gcfhost: function %q is a %s function, not %s", function, p.fn.Kind, kind)
	}
	return p, nil
}

// DeliverMessage delivers m to the Message function as Eventarc delivers a
// Pub/Sub message: a binary-mode CloudEvent of type
// google.cloud.pubsub.topic.v1.messagePublished whose data is
// MessagePublishedData (message.data base64, deliveryAttempt as Pub/Sub
// push reports it with a dead-letter policy). A nil Attributes map leaves
// the attributes field out, as Pub/Sub does for messages without any.
func (h *Host) DeliverMessage(ctx context.Context, function string, m *sdk.Message) error {
	p, err := h.target(function, sdk.KindMessage)
	if err != nil {
		return err
	}
	published := m.PublishTime
	if published.IsZero() {
		published = time.Now()
	}
	data := gcf.MessagePublishedData{
		Message: gcf.PubsubMessage{
			Data: m.Data, Attributes: m.Attributes, MessageID: m.ID,
			PublishTime: published.UTC().Format(time.RFC3339Nano),
		},
		Subscription:    fmt.Sprintf("projects/%s/subscriptions/eventarc-%s-sub", h.project, function),
		DeliveryAttempt: m.Attempt,
	}
	hdr := ceHeaders(m.ID, gcf.TypeMessagePublished,
		fmt.Sprintf("//pubsub.googleapis.com/projects/%s/topics/%s", h.project, p.fn.Message.Topic), "", published)
	return h.post(ctx, p, hdr, data)
}

// DeliverBlob delivers e to the BlobEvent function as Eventarc delivers a
// Cloud Storage event: a binary-mode CloudEvent of type
// google.cloud.storage.object.v1.finalized or .deleted, subject
// objects/<name>, data StorageObjectData with size and generation as
// strings.
func (h *Host) DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error {
	p, err := h.target(function, sdk.KindBlob)
	if err != nil {
		return err
	}
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	typ := gcf.TypeObjectFinalized
	if e.Kind == sdk.BlobDeleted {
		typ = gcf.TypeObjectDeleted
	}
	bucket := p.fn.Blob.Bucket
	gen := gcf.Int64(at.UnixMicro())
	stamp := at.UTC().Format(time.RFC3339Nano)
	data := gcf.StorageObjectData{
		Bucket: bucket, Name: e.Key, ContentType: e.ContentType, Size: gcf.Int64(e.Size),
		Generation: gen, Metageneration: 1, ETag: e.ETag, Kind: "storage#object",
		ID: bucket + "/" + e.Key + "/" + strconv.FormatInt(int64(gen), 10), StorageClass: "STANDARD",
		TimeCreated: stamp, Updated: stamp,
	}
	if e.Kind == sdk.BlobDeleted {
		data.TimeDeleted = stamp
	}
	id := strconv.FormatInt(at.UnixNano(), 10)
	hdr := ceHeaders(id, typ, "//storage.googleapis.com/projects/_/buckets/"+bucket, "objects/"+e.Key, at)
	hdr.Set("Ce-Bucket", bucket)
	return h.post(ctx, p, hdr, data)
}

// FireSchedule calls the Schedule function as a Cloud Scheduler HTTP-target
// job does: POST / with X-CloudScheduler headers carrying the job name and
// the schedule time. (On GCP the request also carries an OIDC token that
// Cloud Run checks before the function runs.)
func (h *Host) FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error {
	p, err := h.target(function, sdk.KindSchedule)
	if err != nil {
		return err
	}
	at := e.Time
	if at.IsZero() {
		at = time.Now()
	}
	hdr := http.Header{}
	hdr.Set("X-CloudScheduler", "true")
	hdr.Set("X-CloudScheduler-JobName", fmt.Sprintf("projects/%s/locations/us-central1/jobs/%s", h.project, function))
	hdr.Set("X-CloudScheduler-ScheduleTime", at.UTC().Format(time.RFC3339))
	hdr.Set("User-Agent", "Google-Cloud-Scheduler")
	hdr.Set("Traceparent", newTraceparent())
	return h.send(ctx, p, hdr, nil)
}

// ceHeaders returns the binary-mode CloudEvent headers Eventarc sends.
func ceHeaders(id, typ, source, subject string, at time.Time) http.Header {
	hdr := http.Header{}
	hdr.Set("Ce-Id", id)
	hdr.Set("Ce-Specversion", "1.0")
	hdr.Set("Ce-Type", typ)
	hdr.Set("Ce-Source", source)
	if subject != "" {
		hdr.Set("Ce-Subject", subject)
	}
	hdr.Set("Ce-Time", at.UTC().Format(time.RFC3339Nano))
	tp := newTraceparent()
	hdr.Set("Ce-Traceparent", tp)
	hdr.Set("Traceparent", tp)
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	return hdr
}

func (h *Host) post(ctx context.Context, p *process, hdr http.Header, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("gcfhost: %w", err)
	}
	return h.send(ctx, p, hdr, body)
}

// send POSTs to the function's root and maps a non-2xx answer to a
// *DeliveryError.
func (h *Host) send(ctx context.Context, p *process, hdr http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url.String()+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("gcfhost: %w", err)
	}
	req.Header = hdr
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("gcfhost: deliver to %s: %w", p.fn.Name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &DeliveryError{Function: p.fn.Name, Status: resp.StatusCode, Body: string(b)}
	}
	return nil
}

// newTraceparent returns a sampled W3C traceparent with random IDs.
func newTraceparent() string {
	var b [24]byte
	rand.Read(b[:])
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}
