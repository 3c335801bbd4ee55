package gcf

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/faaskit/faas/sdk"
)

// fixtureApp records what its handlers saw; fail, if set, is returned.
type fixtureApp struct {
	msg  *sdk.Message
	blob *sdk.BlobEvent
	inv  *sdk.Invocation
	fail error
}

func (fa *fixtureApp) app() *sdk.App {
	a := sdk.New("fixtures", nil)
	a.Topic("inbox", nil)
	a.Bucket("uploads", nil)
	a.Message("msg", "inbox", func(ctx context.Context, m *sdk.Message) error {
		fa.msg, fa.inv = m, sdk.InvocationFrom(ctx)
		return fa.fail
	}, nil)
	a.BlobEvent("blobs", "uploads", func(ctx context.Context, e *sdk.BlobEvent) error {
		fa.blob, fa.inv = e, sdk.InvocationFrom(ctx)
		return fa.fail
	}, nil)
	return a
}

// serveCloudEvent serves fn the way functions-framework-go does (the
// CloudEvents SDK HTTP receiver) and returns the test server.
func serveCloudEvent(t *testing.T, fn func(context.Context, cloudevents.Event) error) *httptest.Server {
	t.Helper()
	p, err := cloudevents.NewHTTP()
	if err != nil {
		t.Fatal(err)
	}
	h, err := cloudevents.NewHTTPReceiveHandler(t.Context(), p, fn)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url string, hdr map[string]string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func binaryHeaders(id, typ, source, subject string) map[string]string {
	h := map[string]string{
		"Ce-Id": id, "Ce-Specversion": "1.0", "Ce-Type": typ, "Ce-Source": source,
		"Ce-Time": "2021-02-05T04:06:14.109Z", "Content-Type": "application/json",
	}
	if subject != "" {
		h["Ce-Subject"] = subject
	}
	return h
}

func TestMessageFixtures(t *testing.T) {
	pub := time.Date(2021, 2, 5, 4, 6, 14, 109e6, time.UTC)
	cases := []struct {
		name, file string
		hdr        map[string]string
		want       sdk.Message
		wantTrace  string
	}{
		{
			name: "binary text", file: "pubsub-binary-text.json",
			hdr:  binaryHeaders("1", TypeMessagePublished, "//pubsub.googleapis.com/projects/my-project/topics/my-topic", ""),
			want: sdk.Message{ID: "message-id", Data: []byte("test message 3"), Attributes: map[string]string{"attr1": "attr1-value"}, PublishTime: pub},
		},
		{
			name: "binary bytes, no attributes", file: "pubsub-binary-binary.json",
			hdr:  binaryHeaders("2", TypeMessagePublished, "//pubsub.googleapis.com/projects/my-project/topics/my-topic", ""),
			want: sdk.Message{ID: "message-id", Data: []byte{1, 2, 3, 4}, Attributes: map[string]string{}, PublishTime: pub},
		},
		{
			name: "structured", file: "pubsub-structured.json",
			hdr:       map[string]string{"Content-Type": "application/cloudevents+json"},
			want:      sdk.Message{ID: "message-id", Data: []byte("test message 3"), Attributes: map[string]string{"attr1": "attr1-value"}, PublishTime: pub, Attempt: 3},
			wantTrace: "4bf92f3577b34da6a3ce929d0e0e4736",
		},
	}
	fa := &fixtureApp{}
	s, err := New(fa.app(), &Options{Project: "p", Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := s.CloudEventFunc("msg")
	if err != nil {
		t.Fatal(err)
	}
	srv := serveCloudEvent(t, fn)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fa.msg = nil
			body, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if st, b := post(t, srv.URL, c.hdr, body); st != 200 {
				t.Fatalf("status %d %q; want 200", st, b)
			}
			m := fa.msg
			if m == nil {
				t.Fatal("handler not called")
			}
			if m.ID != c.want.ID || !bytes.Equal(m.Data, c.want.Data) || !m.PublishTime.Equal(c.want.PublishTime) || m.Attempt != c.want.Attempt || m.Topic != "inbox" {
				t.Errorf("message = %+v; want %+v (topic inbox)", m, c.want)
			}
			if len(m.Attributes) != len(c.want.Attributes) || m.Attributes["attr1"] != c.want.Attributes["attr1"] {
				t.Errorf("attributes = %v; want %v", m.Attributes, c.want.Attributes)
			}
			var ne NativeEvent
			if !m.As(&ne) || ne.Event.Type() != TypeMessagePublished {
				t.Errorf("As(&NativeEvent) = %v, type %q", m.As(&ne), ne.Event.Type())
			}
			if fa.inv == nil || fa.inv.ID == "" || fa.inv.Provider != Provider || fa.inv.TraceID != c.wantTrace || fa.inv.Deadline.IsZero() {
				t.Errorf("invocation = %+v; want an ID, provider gcp, trace %q and a deadline", fa.inv, c.wantTrace)
			}
		})
	}
}

func TestBlobFixtures(t *testing.T) {
	cases := []struct {
		name, file string
		hdr        map[string]string
		want       sdk.BlobEvent
	}{
		{
			name: "binary finalized, size as string", file: "storage-binary-simple.json",
			hdr:  binaryHeaders("b1", TypeObjectFinalized, "//storage.googleapis.com/projects/_/buckets/some-bucket", "objects/folder/Test.cs"),
			want: sdk.BlobEvent{Kind: sdk.BlobCreated, Key: "folder/Test.cs", Size: 352, ContentType: "text/plain", ETag: "CNHZkbuF/ugCEAE=", Time: time.Date(2020, 4, 23, 7, 38, 57, 230e6, time.UTC)},
		},
		{
			name: "binary deleted", file: "storage-binary-simple.json",
			hdr:  binaryHeaders("b2", TypeObjectDeleted, "//storage.googleapis.com/projects/_/buckets/some-bucket", "objects/folder/Test.cs"),
			want: sdk.BlobEvent{Kind: sdk.BlobDeleted, Key: "folder/Test.cs", Size: 352, ContentType: "text/plain", ETag: "CNHZkbuF/ugCEAE=", Time: time.Date(2020, 4, 23, 7, 38, 57, 230e6, time.UTC)},
		},
		{
			name: "structured, size as number", file: "storage-structured-workflows.json",
			hdr:  map[string]string{"Content-Type": "application/cloudevents+json"},
			want: sdk.BlobEvent{Kind: sdk.BlobCreated, Key: "MyFile", Size: 0, ContentType: "esse commodo", ETag: "COu8mb3Dn+kCEAE=", Time: time.Date(2021, 11, 25, 21, 4, 32, 279744e3, time.UTC)},
		},
	}
	fa := &fixtureApp{}
	s, err := New(fa.app(), &Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := s.CloudEventFunc("blobs")
	srv := serveCloudEvent(t, fn)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fa.blob = nil
			body, _ := os.ReadFile(filepath.Join("testdata", c.file))
			if st, b := post(t, srv.URL, c.hdr, body); st != 200 {
				t.Fatalf("status %d %q; want 200", st, b)
			}
			e := fa.blob
			if e == nil {
				t.Fatal("handler not called")
			}
			if e.Kind != c.want.Kind || e.Key != c.want.Key || e.Size != c.want.Size || e.ContentType != c.want.ContentType || e.ETag != c.want.ETag || !e.Time.Equal(c.want.Time) || e.Bucket != "uploads" {
				t.Errorf("event = %+v; want %+v in bucket uploads", e, c.want)
			}
			var ne NativeEvent
			if !e.As(&ne) {
				t.Fatal("As(&NativeEvent) = false")
			}
			if d, ok := ne.Data.(*StorageObjectData); !ok || d.Generation == 0 {
				t.Errorf("native data = %#v; want *StorageObjectData with its generation", ne.Data)
			}
		})
	}
}

// TestEventStatus checks the retry contract: success is 2xx, every handler
// failure a 5xx (so Pub/Sub redelivers), undecodable events a 400, and
// Cloud Storage events the function does not take are acknowledged.
func TestEventStatus(t *testing.T) {
	fa := &fixtureApp{}
	s, err := New(fa.app(), &Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	msgFn, _ := s.CloudEventFunc("msg")
	blobFn, _ := s.CloudEventFunc("blobs")
	msgSrv, blobSrv := serveCloudEvent(t, msgFn), serveCloudEvent(t, blobFn)
	text, _ := os.ReadFile(filepath.Join("testdata", "pubsub-binary-text.json"))
	obj, _ := os.ReadFile(filepath.Join("testdata", "storage-binary-simple.json"))
	pubsub := binaryHeaders("1", TypeMessagePublished, "//pubsub.googleapis.com/projects/p/topics/t", "")
	cases := []struct {
		name string
		url  string
		hdr  map[string]string
		body []byte
		fail error
		want int
	}{
		{"ok", msgSrv.URL, pubsub, text, nil, 200},
		{"unavailable", msgSrv.URL, pubsub, text, sdk.Errorf(sdk.CodeUnavailable, "db down"), 503},
		{"internal", msgSrv.URL, pubsub, text, errors.New("boom"), 500},
		{"invalid input still retried", msgSrv.URL, pubsub, text, sdk.FieldError("x", "bad"), 500},
		{"wrong type", msgSrv.URL, binaryHeaders("1", TypeObjectFinalized, "s", ""), text, nil, 400},
		{"bad data", msgSrv.URL, pubsub, []byte(`{"message":{"data":"%%%"}}`), nil, 400},
		{"blob failure", blobSrv.URL, binaryHeaders("b", TypeObjectFinalized, "s", "objects/x"), obj, errors.New("boom"), 500},
		{"archived acknowledged", blobSrv.URL, binaryHeaders("b", TypeObjectArchived, "s", "objects/x"), obj, errors.New("not called"), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fa.fail = c.fail
			if st, b := post(t, c.url, c.hdr, c.body); st != c.want {
				t.Errorf("status %d (%q); want %d", st, strings.TrimSpace(b), c.want)
			}
		})
	}
}

// TestFreshDecodeTarget delivers two messages through the same handler and
// checks that nothing from the first reaches the second (the
// functions-framework typed-function bug this shim avoids).
func TestFreshDecodeTarget(t *testing.T) {
	fa := &fixtureApp{}
	s, _ := New(fa.app(), &Options{Log: io.Discard})
	fn, _ := s.CloudEventFunc("msg")
	srv := serveCloudEvent(t, fn)
	hdr := binaryHeaders("1", TypeMessagePublished, "//pubsub.googleapis.com/projects/p/topics/t", "")
	post(t, srv.URL, hdr, []byte(`{"message":{"data":"Zmlyc3Q=","attributes":{"a":"1","leak":"yes"},"messageId":"m1"}}`))
	post(t, srv.URL, hdr, []byte(`{"message":{"attributes":{"a":"2"},"messageId":"m2"}}`))
	if m := fa.msg; m == nil || len(m.Attributes) != 1 || m.Attributes["a"] != "2" || len(m.Data) != 0 || m.ID != "m2" {
		t.Errorf("second message = %+v; want only its own fields", m)
	}
}
