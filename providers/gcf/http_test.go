package gcf

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/faaskit/faas/sdk"
)

func TestHTTPLogsAndTrace(t *testing.T) {
	cases := []struct {
		name, header, value string
		wantTrace, wantSpan string
	}{
		{"traceparent", "Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"x-cloud-trace-context", "X-Cloud-Trace-Context", "105445aa7843bc8bf206b12000100000/1;o=1", "105445aa7843bc8bf206b12000100000", "0000000000000001"},
		{"none", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			a := sdk.New("logs", nil)
			a.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sdk.Logger(r.Context()).Warn("hello", "k", "v")
				w.WriteHeader(http.StatusTeapot)
			}), nil)
			s, err := New(a, &Options{Project: "my-proj", Log: &logs})
			if err != nil {
				t.Fatal(err)
			}
			fn, _ := s.HTTPFunc("web")
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set("Function-Execution-Id", "exec-1")
			if c.header != "" {
				req.Header.Set(c.header, c.value)
			}
			rec := httptest.NewRecorder()
			fn(rec, req)
			if rec.Code != http.StatusTeapot {
				t.Errorf("status %d; want 418", rec.Code)
			}
			var entry map[string]any
			if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
				t.Fatalf("log line %q: %v", logs.String(), err)
			}
			labels, _ := entry[fieldLabels].(map[string]any)
			if entry["severity"] != "WARNING" || entry["message"] != "hello" || entry["k"] != "v" || labels["execution_id"] != "exec-1" || labels["function"] != "web" {
				t.Errorf("log entry %v; want severity WARNING, message hello, k=v, execution_id exec-1", entry)
			}
			wantTrace := ""
			if c.wantTrace != "" {
				wantTrace = "projects/my-proj/traces/" + c.wantTrace
			}
			if got, _ := entry[fieldTrace].(string); got != wantTrace {
				t.Errorf("trace %q; want %q", got, wantTrace)
			}
			if got, _ := entry[fieldSpanID].(string); got != c.wantSpan {
				t.Errorf("spanId %q; want %q", got, c.wantSpan)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	var got *sdk.ScheduleEvent
	var job SchedulerJob
	fail := false
	a := sdk.New("sched", nil)
	a.Schedule("tick", "cron(0 3 * * *)", func(ctx context.Context, e *sdk.ScheduleEvent) error {
		got = e
		e.As(&job)
		if fail {
			return sdk.Errorf(sdk.CodeUnavailable, "later")
		}
		return nil
	}, nil)
	s, err := New(a, &Options{Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := s.HTTPFunc("tick")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(""))
	req.Header.Set("X-CloudScheduler", "true")
	req.Header.Set("X-CloudScheduler-JobName", "projects/p/locations/us-central1/jobs/sched-tick")
	req.Header.Set("X-CloudScheduler-ScheduleTime", "2026-11-23T03:00:00Z")
	rec := httptest.NewRecorder()
	fn(rec, req)
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	if rec.Code != http.StatusNoContent || got == nil || !got.Time.Equal(at) || got.ID != "sched-tick-20261123T030000Z" || got.Schedule != "cron(0 3 * * *)" {
		t.Fatalf("status %d, event %+v; want 204 and the tick at %v with a job-derived ID", rec.Code, got, at)
	}
	if job.JobName != "projects/p/locations/us-central1/jobs/sched-tick" {
		t.Errorf("native job %+v", job)
	}
	fail = true
	rec = httptest.NewRecorder()
	fn(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("failing schedule: status %d; want 503 so Cloud Scheduler retries", rec.Code)
	}
}

func TestRegisterWith(t *testing.T) {
	a := sdk.New("reg", nil)
	a.Topic("t", nil)
	a.HTTP("web", http.NotFoundHandler(), nil)
	a.Message("msg", "t", func(context.Context, *sdk.Message) error { return nil }, nil)
	a.Schedule("tick", "rate(1 hour)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	s, err := New(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = s.RegisterWith(Registrar{
		HTTP:       func(name string, _ func(http.ResponseWriter, *http.Request)) { got[name] = "http" },
		CloudEvent: func(name string, _ func(context.Context, cloudevents.Event) error) { got[name] = "cloudevent" },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"web": "http", "msg": "cloudevent", "tick": "http"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s registered as %q; want %q (all: %v)", k, got[k], v, got)
		}
	}
	bad := sdk.New("bad", nil)
	bad.Message("msg", "undeclared", func(context.Context, *sdk.Message) error { return nil }, nil)
	if _, err := New(bad, nil); err == nil || !strings.Contains(err.Error(), "undeclared") {
		t.Errorf("New with a registration error = %v; want it reported", err)
	}
}
