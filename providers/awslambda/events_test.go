package awslambda_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/faaskit/faas/providers/awslambda"
	"github.com/faaskit/faas/sdk"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func invokeCtx(t *testing.T) context.Context {
	ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// seen is what the HTTP handler observed.
type seen struct {
	method, path, escaped, host, cookie, body string
	query                                     map[string][]string
	header                                    http.Header
	auth                                      *awslambda.Authorizer
	user                                      *sdk.User
	inv                                       *sdk.Invocation
}

func httpHandler(t *testing.T, got *seen) *awslambda.Handler {
	app := sdk.New("events", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = seen{method: r.Method, path: r.URL.Path, escaped: r.URL.EscapedPath(), host: r.Host, cookie: r.Header.Get("Cookie"),
			body: string(b), query: r.URL.Query(), header: r.Header, auth: awslambda.AuthorizerFrom(r.Context()),
			user: sdk.UserFrom(r.Context()), inv: sdk.InvocationFrom(r.Context())}
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		http.SetCookie(w, &http.Cookie{Name: "one", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "two", Value: "2"})
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte{0xff, 0, 0xfe, 'x'})
	}), nil)
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	h, err := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHTTPSamples decodes every HTTP request sample that aws-lambda-go
// ships and that the shim supports, checks what the handler saw, and
// checks the response has the shape that integration requires.
func TestHTTPSamples(t *testing.T) {
	v1Headers := func(s seen) bool {
		return s.header.Get("Headername") == "headerValue" && s.header.Get("X-Forwarded-For") == "54.240.196.186, 54.182.214.83"
	}
	cases := []struct {
		file               string
		method, path, host string
		query              map[string][]string
		cookie, body       string
		check              func(seen) bool
		wantShape          string // "v2", "v1", "alb", "albmv"
	}{
		{"apigw-request.json", "POST", "/hello/world", "gy415nuibc.execute-api.us-east-1.amazonaws.com", map[string][]string{"name": {"me"}}, "", "{\r\n\t\"a\": 1\r\n}", v1Headers, "v1"},
		{"apigw-restapi-openapi-request.json", "POST", "/hello/world", "gy415nuibc.execute-api.us-east-1.amazonaws.com", map[string][]string{"name": {"me"}}, "", "{\r\n\t\"a\": 1\r\n}", v1Headers, "v1"},
		{"apigw-v2-request-iam.json", "GET", "/my/path", "id.execute-api.us-east-1.amazonaws.com", map[string][]string{"parameter1": {"value1", "value2"}, "parameter2": {"value"}}, "cookie1; cookie2", "{\r\n\t\"a\": 1\r\n}",
			func(s seen) bool { return s.header.Get("Header1") == "value1" }, "v2"},
		{"apigw-v2-request-lambda-authorizer.json", "GET", "/my/path", "id.execute-api.us-east-1.amazonaws.com", map[string][]string{"parameter1": {"value1", "value2"}, "parameter2": {"value"}}, "cookie1; cookie2", "{\r\n\t\"a\": 1\r\n}",
			func(s seen) bool { return s.header.Get("Header2") == "value2" && s.auth == nil }, "v2"},
		{"apigw-v2-request-jwt-authorizer.json", "GET", "/my/path", "id.execute-api.us-east-1.amazonaws.com", map[string][]string{"parameter1": {"value1", "value2"}, "parameter2": {"value"}}, "cookie1; cookie2", "{\r\n\t\"a\": 1\r\n}",
			func(s seen) bool {
				return s.auth != nil && s.auth.Claims["claim1"] == "value1" && s.auth.Claims["claim2"] == "value2" && slices.Equal(s.auth.Scopes, []string{"scope1", "scope2"})
			}, "v2"},
		{"apigw-v2-request-no-authorizer.json", "GET", "/", "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com", map[string][]string{}, "", "",
			func(s seen) bool {
				return s.header.Get("X-Amzn-Trace-Id") == "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c" && s.header.Get("Host") == ""
			}, "v2"},
		{"lambda-urls-request.json", "POST", "/my/path", "<url-id>.lambda-url.us-west-2.on.aws", map[string][]string{"parameter1": {"value1", "value2"}, "parameter2": {"value"}}, "cookie1; cookie2", "Hello from client!",
			func(s seen) bool { return s.header.Get("Header2") == "value1,value2" }, "v2"},
		{"alb-lambda-target-request-headers-only.json", "GET", "/", "lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com", map[string][]string{"key": {"hello"}}, "", "",
			func(s seen) bool { return s.header.Get("X-Myheader") == "123" }, "alb"},
		{"alb-lambda-target-request-multivalue-headers.json", "GET", "/", "lambda-test-alb-1234567.us-east-1.elb.amazonaws.com", map[string][]string{"key": {"hello"}}, "", "",
			func(s seen) bool {
				return s.header.Get("X-Myheader") == "123" && s.header.Get("X-Forwarded-For") == "72.21.198.67"
			}, "albmv"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var got seen
			h := httpHandler(t, &got)
			out, err := h.Invoke(invokeCtx(t), fixture(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if got.method != c.method || got.path != c.path || got.host != c.host || got.cookie != c.cookie || got.body != c.body {
				t.Errorf("handler saw %s %s host %q cookie %q body %q", got.method, got.path, got.host, got.cookie, got.body)
			}
			if len(got.query) != len(c.query) {
				t.Errorf("query %v; want %v", got.query, c.query)
			}
			for k, v := range c.query {
				if !slices.Equal(got.query[k], v) {
					t.Errorf("query[%s] = %q; want %q", k, got.query[k], v)
				}
			}
			if !c.check(got) {
				t.Errorf("sample-specific check failed: headers %v auth %+v", got.header, got.auth)
			}
			if got.inv == nil || got.inv.ID != "req-1" || got.inv.Provider != "aws" || got.inv.Function != "web" || got.inv.Deadline.IsZero() {
				t.Errorf("invocation %+v", got.inv)
			}
			checkResponseShape(t, out, c.wantShape)
		})
	}
}

func checkResponseShape(t *testing.T, out []byte, shape string) {
	t.Helper()
	var r struct {
		StatusCode        int                 `json:"statusCode"`
		StatusDescription *string             `json:"statusDescription"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Cookies           []string            `json:"cookies"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	body, err := base64.StdEncoding.DecodeString(r.Body)
	if r.StatusCode != 201 || !r.IsBase64Encoded || err != nil || !bytes.Equal(body, []byte{0xff, 0, 0xfe, 'x'}) {
		t.Errorf("response %s: want 201 and the binary body base64-encoded", out)
	}
	wantCookies := []string{"one=1", "two=2"}
	switch shape {
	case "v2":
		if !slices.Equal(r.Cookies, wantCookies) || r.Headers["X-Multi"] != "a,b" || r.Headers["Set-Cookie"] != "" || r.MultiValueHeaders != nil {
			t.Errorf("v2 response %s: want cookies %v, X-Multi a,b, no Set-Cookie header", out, wantCookies)
		}
	case "v1", "albmv":
		if !slices.Equal(r.MultiValueHeaders["Set-Cookie"], wantCookies) || !slices.Equal(r.MultiValueHeaders["X-Multi"], []string{"a", "b"}) || r.Headers != nil {
			t.Errorf("%s response %s: want every Set-Cookie and X-Multi value in multiValueHeaders", shape, out)
		}
		if shape == "albmv" && (r.StatusDescription == nil || *r.StatusDescription != "201 Created") {
			t.Errorf("ALB response %s: want statusDescription", out)
		}
	case "alb":
		if r.Headers["X-Multi"] != "a,b" || r.StatusDescription == nil || *r.StatusDescription != "201 Created" || r.MultiValueHeaders != nil {
			t.Errorf("ALB response %s: want single-value headers and a statusDescription", out)
		}
	}
}

// TestHTTPExact covers what the samples do not: escaped paths, base64
// request bodies and JWT claims that are numbers and arrays.
func TestHTTPExact(t *testing.T) {
	ev := string(fixture(t, "apigw-v2-request-jwt-authorizer.json"))
	ev = strings.Replace(ev, `"claim1": "value1"`, `"claim1": "value1", "sub": "u-1", "n": 12345678901234567890, "groups": ["a", "b"], "nested": {"k": true}`, 1)
	ev = strings.Replace(ev, `"rawPath": "/my/path"`, `"rawPath": "/my/a%2Fb/c%20d"`, 1)
	ev = strings.Replace(ev, `"body": "{\r\n\t\"a\": 1\r\n}",`, `"body": "AAH/",`, 1)
	ev = strings.Replace(ev, `"isBase64Encoded": false`, `"isBase64Encoded": true`, 1)
	var got seen
	h := httpHandler(t, &got)
	if _, err := h.Invoke(invokeCtx(t), []byte(ev)); err != nil {
		t.Fatal(err)
	}
	if got.path != "/my/a/b/c d" || got.escaped != "/my/a%2Fb/c%20d" {
		t.Errorf("path %q escaped %q; want the raw path kept", got.path, got.escaped)
	}
	if got.body != "\x00\x01\xff" {
		t.Errorf("body %q; want the base64-decoded bytes", got.body)
	}
	c := got.auth.Claims
	if c["n"] != json.Number("12345678901234567890") || !reflect.DeepEqual(c["groups"], []any{"a", "b"}) || !reflect.DeepEqual(c["nested"], map[string]any{"k": true}) {
		t.Errorf("claims %#v; want the number exact and the array and object kept", c)
	}
}

// TestSQSPartialBatchFailure sends a three-message batch built from the
// SQS sample in which the second message fails: only its ID is reported.
func TestSQSPartialBatchFailure(t *testing.T) {
	var sample events.SQSEvent
	if err := json.Unmarshal(fixture(t, "sqs-event.json"), &sample); err != nil {
		t.Fatal(err)
	}
	batch := events.SQSEvent{}
	for _, id := range []string{"MessageID_1", "MessageID_2", "MessageID_3"} {
		r := sample.Records[0]
		r.MessageId = id
		batch.Records = append(batch.Records, r)
	}
	payload, _ := json.Marshal(batch)
	var got []*sdk.Message
	var natives []events.SQSMessage
	app := sdk.New("events", nil)
	app.Topic("t", nil)
	app.Message("msg", "t", func(ctx context.Context, m *sdk.Message) error {
		got = append(got, m)
		var n events.SQSMessage
		if !m.As(&n) {
			t.Error("As(*events.SQSMessage) = false")
		}
		natives = append(natives, n)
		if m.ID == "MessageID_2" {
			return sdk.Errorf(sdk.CodeUnavailable, "try later")
		}
		return nil
	}, nil)
	h, err := awslambda.NewHandler(app, "msg", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(invokeCtx(t), payload)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "MessageID_2" {
		t.Errorf("response %s; want only MessageID_2 in batchItemFailures", out)
	}
	if len(got) != 3 {
		t.Fatalf("handler ran %d times; want 3", len(got))
	}
	m := got[0]
	if string(m.Data) != "Message Body" || m.Attempt != 2 || !m.PublishTime.Equal(time.UnixMilli(1520621625029)) ||
		m.Attributes["Attribute1"] != "AttributeValue1" || m.Attributes["Attribute2"] != "123" || m.Topic != "t" {
		t.Errorf("message %+v", m)
	}
	if !reflect.DeepEqual(natives[1], batch.Records[1]) {
		t.Errorf("native message\n%+v\nwant (as encoding/json decodes it)\n%+v", natives[1], batch.Records[1])
	}
}

func TestSNSSample(t *testing.T) {
	var got *sdk.Message
	var native events.SNSEventRecord
	app := sdk.New("events", nil)
	app.Topic("t", nil)
	app.Message("msg", "t", func(ctx context.Context, m *sdk.Message) error {
		got = m
		m.As(&native)
		return errors.New("fail once")
	}, nil)
	h, _ := awslambda.NewHandler(app, "msg", &awslambda.HandlerOptions{Log: io.Discard})
	_, err := h.Invoke(invokeCtx(t), fixture(t, "sns-event.json"))
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) || ie.Type != "faas.internal" {
		t.Errorf("failing SNS handler: %v; want a faas.internal invocation error (Lambda retries)", err)
	}
	if got == nil || got.ID != "95df01b4-ee98-5cb9-9903-4c221d41eb5e" || string(got.Data) != "Hello from SNS!" || got.Attributes["Test"] != "TestString" ||
		!got.PublishTime.Equal(time.Date(2015, 6, 3, 17, 43, 27, 123e6, time.UTC)) {
		t.Errorf("message %+v", got)
	}
	var want events.SNSEvent
	json.Unmarshal(fixture(t, "sns-event.json"), &want)
	if !reflect.DeepEqual(native, want.Records[0]) {
		t.Errorf("native\n%+v\nwant\n%+v", native, want.Records[0])
	}
}

func TestS3Samples(t *testing.T) {
	for _, c := range []struct{ file, key string }{
		{"s3-event.json", "Happy Face.jpg"},
		{"s3-event-with-decoded.json", "Happy Face.jpg"},
	} {
		var got *sdk.BlobEvent
		var native events.S3EventRecord
		app := sdk.New("events", nil)
		app.Bucket("b", nil)
		app.BlobEvent("blobs", "b", func(ctx context.Context, e *sdk.BlobEvent) error { got = e; e.As(&native); return nil }, nil)
		h, _ := awslambda.NewHandler(app, "blobs", &awslambda.HandlerOptions{Log: io.Discard})
		if _, err := h.Invoke(invokeCtx(t), fixture(t, c.file)); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got == nil || got.Kind != sdk.BlobCreated || got.Key != c.key || got.Size != 1024 || got.Bucket != "b" || got.ETag != "d41d8cd98f00b204e9800998ecf8427e" ||
			!got.Time.Equal(time.Date(1970, 1, 1, 0, 0, 0, 123e6, time.UTC)) {
			t.Errorf("%s: event %+v", c.file, got)
		}
		var want events.S3Event
		json.Unmarshal(fixture(t, c.file), &want)
		if !reflect.DeepEqual(native, want.Records[0]) {
			t.Errorf("%s: native\n%+v\nwant\n%+v", c.file, native, want.Records[0])
		}
	}
	// '+' is a space in S3 keys; %2B is a plus.
	ev := strings.Replace(string(fixture(t, "s3-event.json")), "Happy%20Face.jpg", "my+file%2B1.txt", 1)
	ev = strings.Replace(ev, "ObjectCreated:Put", "ObjectRemoved:Delete", 1)
	var got *sdk.BlobEvent
	app := sdk.New("events", nil)
	app.Bucket("b", nil)
	app.BlobEvent("blobs", "b", func(ctx context.Context, e *sdk.BlobEvent) error { got = e; return nil }, nil)
	h, _ := awslambda.NewHandler(app, "blobs", &awslambda.HandlerOptions{Log: io.Discard})
	if _, err := h.Invoke(invokeCtx(t), []byte(ev)); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Key != "my file+1.txt" || got.Kind != sdk.BlobDeleted {
		t.Errorf("event %+v; want deleted key %q", got, "my file+1.txt")
	}
}

func TestScheduledSamples(t *testing.T) {
	for _, c := range []struct {
		file, id string
		at       time.Time
	}{
		{"eventbridge-scheduled-event.json", "890abcde-f123-4567-890a-bcdef1234567", time.Date(2016, 12, 30, 18, 44, 49, 0, time.UTC)},
		{"scheduler-scheduled-event.json", "3f6b5e0a-7c1d-4f55-9a2e-2b9c1d0e4a11", time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)},
	} {
		var got *sdk.ScheduleEvent
		var native events.EventBridgeEvent
		app := sdk.New("events", nil)
		app.Schedule("tick", "rate(5 minutes)", func(ctx context.Context, e *sdk.ScheduleEvent) error { got = e; e.As(&native); return nil }, nil)
		h, _ := awslambda.NewHandler(app, "tick", &awslambda.HandlerOptions{Log: io.Discard})
		if _, err := h.Invoke(invokeCtx(t), fixture(t, c.file)); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if got == nil || got.ID != c.id || !got.Time.Equal(c.at) || got.Schedule != "rate(5 minutes)" {
			t.Errorf("%s: event %+v", c.file, got)
		}
		var want events.EventBridgeEvent
		json.Unmarshal(fixture(t, c.file), &want)
		if !reflect.DeepEqual(native, want) {
			t.Errorf("%s: native\n%+v\nwant\n%+v", c.file, native, want)
		}
	}
}
