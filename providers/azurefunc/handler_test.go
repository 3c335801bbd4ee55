package azurefunc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
)

// seen records what the test app's handlers received.
type seen struct {
	mu       sync.Mutex
	msg      *sdk.Message
	blob     *sdk.BlobEvent
	tick     *sdk.ScheduleEvent
	req      *http.Request
	body     []byte
	inv      sdk.Invocation
	deadline bool
}

func (s *seen) record(ctx context.Context) {
	s.inv = *sdk.InvocationFrom(ctx)
	_, s.deadline = ctx.Deadline()
}

// testApp has one function of each kind; "msg" fails when the message has
// attribute fail=1 and logs every delivery.
func testApp(s *seen) *sdk.App {
	a := sdk.New("t", nil)
	a.Bucket("uploads", nil)
	a.Topic("inbox", nil)
	a.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(r.Context())
		s.req = r
		s.body, _ = io.ReadAll(r.Body)
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("created " + r.URL.Path))
	}), nil)
	a.HTTP("admin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("admin " + r.URL.EscapedPath()))
	}), &sdk.HTTPOptions{Path: "/admin"})
	a.Message("msg", "inbox", func(ctx context.Context, m *sdk.Message) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(ctx)
		s.msg = m
		sdk.Logger(ctx).Info("got message", "id", m.ID)
		if m.Attributes["fail"] == "1" {
			return sdk.Errorf(sdk.CodeUnavailable, "asked to fail")
		}
		return nil
	}, nil)
	a.BlobEvent("blobs", "uploads", func(ctx context.Context, e *sdk.BlobEvent) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(ctx)
		s.blob = e
		return nil
	}, nil)
	a.Schedule("tick", "rate(5 minutes)", func(ctx context.Context, e *sdk.ScheduleEvent) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(ctx)
		s.tick = e
		return nil
	}, nil)
	return a
}

func newHandler(t *testing.T, s *seen, opts *azurefunc.Options) (*azurefunc.Handler, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	if opts == nil {
		opts = &azurefunc.Options{}
	}
	opts.Log = &log
	if opts.TriggerKey == "" {
		opts.TriggerKey = testKey
	}
	h, err := azurefunc.NewHandler(testApp(s), opts)
	if err != nil {
		t.Fatal(err)
	}
	return h, &log
}

// testKey is the trigger key of the handlers under test.
const testKey = "0123456789abcdef0123456789abcdef"

// triggerPath is where the host delivers function's triggers: its Azure
// name, keyed for the non-HTTP functions of testApp.
func triggerPath(function string) string {
	if function == "web" {
		return "/web"
	}
	return "/" + azurefunc.TriggerFunctionName(function, testKey)
}

func invoke(t *testing.T, h http.Handler, function, fixture string) (*httptest.ResponseRecorder, azurefunc.InvokeResponse) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, triggerPath(function), bytes.NewReader(body))
	req.Header.Set(azurefunc.HeaderInvocationID, "inv-"+function)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var ir azurefunc.InvokeResponse
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &ir); err != nil {
			t.Fatalf("%s: response is not an invocation response: %v: %s", fixture, err, rec.Body)
		}
	}
	return rec, ir
}

func TestMessageFixtures(t *testing.T) {
	cases := []struct {
		fixture, id, data string
		attempt           int
		attrs             map[string]string
		published         time.Time
	}{
		{"servicebus.json", "4e773554-f6b7-4ea2-b07d-4c5fd5aba741", "hello world", 2, map[string]string{"color": "blue", "n": "3"}, time.Date(2023, 10, 12, 20, 13, 49, 0, time.UTC)},
		{"servicebus-string.json", "abc", `{"message":"hello","number":2}`, 1, nil, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			s := &seen{}
			h, _ := newHandler(t, s, nil)
			rec, ir := invoke(t, h, "msg", c.fixture)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			m := s.msg
			if m.ID != c.id || string(m.Data) != c.data || m.Attempt != c.attempt || !m.PublishTime.Equal(c.published) || m.Topic != "inbox" {
				t.Errorf("message %+v; want id %q data %q attempt %d published %v", m, c.id, c.data, c.attempt, c.published)
			}
			if len(m.Attributes) != len(c.attrs) {
				t.Errorf("attributes %v; want %v", m.Attributes, c.attrs)
			}
			for k, v := range c.attrs {
				if m.Attributes[k] != v {
					t.Errorf("attribute %s = %q; want %q", k, m.Attributes[k], v)
				}
			}
			var sb azurefunc.ServiceBusMessage
			if !m.As(&sb) || sb.MessageID != c.id {
				t.Errorf("As(ServiceBusMessage) = %+v", sb)
			}
			if s.inv.ID != "inv-msg" || s.inv.Provider != "azure" || !s.deadline {
				t.Errorf("invocation %+v deadline=%v; want the host's ID, provider azure and a deadline", s.inv, s.deadline)
			}
			if len(ir.Logs) != 1 || !strings.Contains(ir.Logs[0], `"invocationId":"inv-msg"`) || !strings.Contains(ir.Logs[0], "got message") {
				t.Errorf("Logs = %q; want the handler's JSON log line with the invocation ID", ir.Logs)
			}
		})
	}
}

func TestMessageFailureFailsInvocation(t *testing.T) {
	s := &seen{}
	h, log := newHandler(t, s, nil)
	body := `{"Data":{"msg":"eA=="},"Metadata":{"DeliveryCount":"1","MessageId":"\"m1\"","ApplicationProperties":{"fail":"1"}}}`
	req := httptest.NewRequest(http.MethodPost, triggerPath("msg"), strings.NewReader(body))
	req.Header.Set(azurefunc.HeaderInvocationID, "inv-fail")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d; want 503 so that the host abandons the message", rec.Code)
	}
	// The host drops the body of a failed invocation, so the logs go to stdout.
	if !strings.Contains(log.String(), "got message") || !strings.Contains(log.String(), `"invocationId":"inv-fail"`) {
		t.Errorf("stdout log %q; want the handler's lines with the invocation ID", log)
	}
}

func TestBlobFixtures(t *testing.T) {
	cases := []struct {
		fixture, key, ctype string
		kind                sdk.BlobEventKind
		size                int64
	}{
		{"eventgrid-blobcreated.json", "new-file.txt", "text/plain", sdk.BlobCreated, 524288},
		{"eventgrid-blobdeleted-cloudevent.json", "dir/file 1.txt", "text/plain", sdk.BlobDeleted, 0},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			s := &seen{}
			h, _ := newHandler(t, s, nil)
			if rec, _ := invoke(t, h, "blobs", c.fixture); rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			e := s.blob
			if e.Key != c.key || e.Kind != c.kind || e.Size != c.size || e.ContentType != c.ctype || e.Bucket != "uploads" || e.Time.IsZero() {
				t.Errorf("event %+v; want key %q kind %s size %d type %q bucket uploads", e, c.key, c.kind, c.size, c.ctype)
			}
			var ev azurefunc.EventGridEvent
			if !e.As(&ev) || ev.ID == "" {
				t.Errorf("As(EventGridEvent) = %+v", ev)
			}
		})
	}
}

func TestTimerFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		at      time.Time
	}{
		{"timer.json", time.Date(2023, 10, 12, 20, 18, 49, 0, time.UTC)},
		{"timer-nomonitor.json", time.Date(2023, 10, 12, 20, 18, 49, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			s := &seen{}
			h, _ := newHandler(t, s, nil)
			if rec, _ := invoke(t, h, "tick", c.fixture); rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if !s.tick.Time.Equal(c.at) || s.tick.ID != "inv-tick" || s.tick.Schedule != "rate(5 minutes)" {
				t.Errorf("tick %+v; want time %v, ID = invocation ID, schedule as declared", s.tick, c.at)
			}
		})
	}
}

func TestJSONModeHTTP(t *testing.T) {
	cases := []struct {
		fixture, method, path, body string
		query                       string
	}{
		{"http-post.json", "POST", "/order", `{"id":1005,"quantity":2}`, "x=1&x=2"},
		{"http-octet.json", "PUT", "/upload", "\x00\x01\x02\xff", ""},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			s := &seen{}
			h, _ := newHandler(t, s, &azurefunc.Options{RoutePrefix: "api", Forwarding: false})
			rec, ir := invoke(t, h, "web", c.fixture)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			r := s.req
			if r.Method != c.method || r.URL.Path != c.path || r.URL.RawQuery != c.query || string(s.body) != c.body {
				t.Errorf("handler saw %s %s?%s body %q; want %s %s?%s %q", r.Method, r.URL.Path, r.URL.RawQuery, s.body, c.method, c.path, c.query, c.body)
			}
			res, _ := json.Marshal(ir.Outputs["res"])
			var out azurefunc.HTTPOutput
			json.Unmarshal(res, &out)
			if out.StatusCode != "201" || out.Status != "201" || out.Headers["X-Multi"] != "one, two" || out.Body != "created "+c.path {
				t.Errorf("Outputs.res = %+v; want 201, X-Multi joined, the body as text", out)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	cases := []struct {
		name, prefix, method, target string
		id                           bool
		status                       int
		body                         string
	}{
		{"probe", "", "GET", "/", false, 200, ""},
		{"root with invocation id is the app", "", "GET", "/", true, 201, "created /"},
		{"no prefix", "", "GET", "/todos/1", true, 201, "created /todos/1"},
		{"longest path wins", "", "GET", "/admin/x%2Fy", true, 200, "admin /admin/x%2Fy"},
		{"segment boundary", "", "GET", "/administrator", true, 201, "created /administrator"},
		{"prefix stripped", "api", "GET", "/api/admin/a%20b", true, 200, "admin /admin/a%20b"},
		{"prefix root", "api", "GET", "/api", true, 201, "created /"},
		{"outside prefix", "api", "GET", "/other", true, 404, ""},
		{"POST to an HTTP function name is forwarded", "", "POST", "/web", true, 201, "created /web"},
		// The host forwards a public POST /<name> to the handler at that
		// path with an invocation ID: it is the app's, never a trigger.
		{"POST to a message function name is the app", "", "POST", "/msg", true, 201, "created /msg"},
		{"POST to a schedule function name is the app", "", "POST", "/tick", true, 201, "created /tick"},
		{"POST to a blob function name is the app", "", "POST", "/blobs", true, 201, "created /blobs"},
		{"wrong key is the app", "", "POST", "/msg_" + strings.Repeat("f", 32), true, 201, "created /msg_" + strings.Repeat("f", 32)},
		{"keyed name under the prefix is the app", "api", "POST", "/api/msg_" + testKey, true, 201, "created /msg_" + testKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &seen{}
			h, _ := newHandler(t, s, &azurefunc.Options{RoutePrefix: c.prefix, Forwarding: true})
			req := httptest.NewRequest(c.method, c.target, nil)
			if c.id {
				req.Header.Set(azurefunc.HeaderInvocationID, "inv")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status || (c.body != "" && rec.Body.String() != c.body) {
				t.Errorf("%s %s: %d %q; want %d %q", c.method, c.target, rec.Code, rec.Body, c.status, c.body)
			}
		})
	}
}

func TestNewHandlerRejects(t *testing.T) {
	a := sdk.New("t", nil)
	a.HTTP("api", http.NotFoundHandler(), nil)
	if _, err := azurefunc.NewHandler(a, &azurefunc.Options{RoutePrefix: "api"}); err == nil || !strings.Contains(err.Error(), "route prefix") {
		t.Errorf("function named like the route prefix: err %v", err)
	}
	b := sdk.New("t", nil)
	b.Message("m", "missing", func(context.Context, *sdk.Message) error { return nil }, nil)
	if _, err := azurefunc.NewHandler(b, nil); err == nil || !strings.Contains(err.Error(), "undeclared") {
		t.Errorf("registration error: err %v", err)
	}
	for _, key := range []string{"", "short", strings.Repeat("G", 32)} {
		if _, err := newHandlerErr(key); err == nil || !strings.Contains(err.Error(), "trigger key") {
			t.Errorf("message function with trigger key %q: err %v; want a trigger key error", key, err)
		}
	}
}

func newHandlerErr(key string) (*azurefunc.Handler, error) {
	return azurefunc.NewHandler(testApp(&seen{}), &azurefunc.Options{TriggerKey: key, Log: io.Discard})
}

func TestLoadHostConfigTriggerKey(t *testing.T) {
	other := strings.Repeat("a", 32)
	cases := []struct {
		name    string
		folders map[string]string // folder → trigger type
		key     string
		err     string
	}{
		{"keyed", map[string]string{"web": "httpTrigger", "msg_" + testKey: "serviceBusTrigger", "tick_" + testKey: "timerTrigger"}, testKey, ""},
		{"http only", map[string]string{"web": "httpTrigger"}, "", ""},
		{"unkeyed trigger", map[string]string{"web": "httpTrigger", "tick": "timerTrigger"}, "", "no trigger key"},
		{"short key", map[string]string{"blobs_abc": "eventGridTrigger"}, "", "no trigger key"},
		{"two keys", map[string]string{"msg_" + testKey: "serviceBusTrigger", "tick_" + other: "timerTrigger"}, "", "different trigger keys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"version":"2.0"}`), 0o644)
			for f, typ := range c.folders {
				os.Mkdir(filepath.Join(dir, f), 0o755)
				os.WriteFile(filepath.Join(dir, f, "function.json"), []byte(`{"bindings":[{"type":"`+typ+`","direction":"in","name":"x"}]}`), 0o644)
			}
			cfg, err := azurefunc.LoadHostConfig(dir)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("err %v; want one saying %q", err, c.err)
				}
				return
			}
			if err != nil || cfg.TriggerKey != c.key {
				t.Errorf("TriggerKey %q, err %v; want %q", cfg.TriggerKey, err, c.key)
			}
		})
	}
}

func TestLoadHostConfig(t *testing.T) {
	dir := t.TempDir()
	if c, err := azurefunc.LoadHostConfig(dir); err != nil || c.RoutePrefix != "api" || c.Forwarding {
		t.Errorf("no host.json: %+v %v; want the host defaults", c, err)
	}
	os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"version":"2.0","customHandler":{"enableProxyingHttpRequest":true},"extensions":{"http":{"routePrefix":""}}}`), 0o644)
	if c, err := azurefunc.LoadHostConfig(dir); err != nil || c.RoutePrefix != "" || !c.Forwarding {
		t.Errorf("host.json: %+v %v; want no prefix, forwarding", c, err)
	}
}
