package sdk_test

import (
	"context"
	"encoding/json"
	"github.com/faaskit/faas/sdk/provider"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
	_ "gocloud.dev/blob/memblob"
)

func nopMsg(context.Context, *sdk.Message) error        { return nil }
func nopBlob(context.Context, *sdk.BlobEvent) error     { return nil }
func nopTick(context.Context, *sdk.ScheduleEvent) error { return nil }

func TestRegistrationErrorsReportedTogether(t *testing.T) {
	a := sdk.New("demo", nil)
	a.Bucket("files", nil)
	a.Topic("files", nil)                                // duplicate resource name
	a.HTTP("web", http.NotFoundHandler(), nil)           // ok
	a.HTTP("web", http.NotFoundHandler(), nil)           // duplicate function
	a.Message("count", "events", nopMsg, nil)            // undeclared topic
	a.BlobEvent("meta", "files", nopBlob, nil)           // ok: files is a bucket
	a.Message("wrong", "files", nopMsg, nil)             // files is a bucket, not a topic
	a.Schedule("tick", "cron(61 * * * *)", nopTick, nil) // bad cron
	a.Schedule("fast", "rate(30 seconds)", nopTick, nil) // bad rate
	a.HTTP("Bad_Name", http.NotFoundHandler(), nil)      // bad name
	a.Message("nilh", "events", nil, nil)                // nil handler (and undeclared topic)
	err := a.Err()
	if err == nil {
		t.Fatal("Err() = nil; want every registration error")
	}
	for _, want := range []string{
		`bucket "files": declared twice`, // reported under the second kind
		`function "web": registered twice`,
		`function "count": triggered by undeclared topic "events"`,
		`function "wrong": triggered by "files", which is a bucket, not a topic`,
		`function "tick": sdk: schedule "cron(61 * * * *)"`,
		`function "fast": sdk: schedule "rate(30 seconds)"`,
		`function "Bad_Name": name must be`,
		`function "nilh": nil MessageHandler`,
	} {
		want = strings.Replace(want, `bucket "files": declared twice`, `topic "files": declared twice (first as a bucket)`, 1)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"meta"`) {
		t.Errorf("a valid blob trigger was reported: %v", err)
	}
}

func TestParseSchedule(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 7, 30, 0, time.UTC)
	cases := []struct {
		expr  string
		cron  string
		every time.Duration
		next  time.Time
		bad   bool
	}{
		{expr: "cron(0 3 * * *)", cron: "0 3 * * *", next: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)},
		{expr: "*/15 * * * *", cron: "*/15 * * * *", next: time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)},
		{expr: "@daily", cron: "0 0 * * *", next: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{expr: "@hourly", cron: "0 * * * *", next: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)},
		{expr: "rate(5 minutes)", every: 5 * time.Minute, next: time.Date(2026, 11, 23, 10, 10, 0, 0, time.UTC)},
		{expr: "rate(1 hour)", every: time.Hour, next: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)},
		{expr: "@every 2h", every: 2 * time.Hour, next: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)},
		{expr: "rate(0 minutes)", bad: true},
		{expr: "rate(5 weeks)", bad: true},
		{expr: "@every 90s", bad: true},
		{expr: "0 3 * * * *", bad: true}, // six fields
		{expr: "cron(99 3 * * *)", bad: true},
		{expr: "@sometimes", bad: true},
		{expr: "", bad: true},
	}
	for _, c := range cases {
		s, err := sdk.ParseSchedule(c.expr)
		if c.bad {
			if err == nil {
				t.Errorf("ParseSchedule(%q) = %+v; want an error", c.expr, s)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", c.expr, err)
			continue
		}
		if s.Cron != c.cron || s.Every != c.every {
			t.Errorf("ParseSchedule(%q) = cron %q every %v; want %q %v", c.expr, s.Cron, s.Every, c.cron, c.every)
		}
		if got := s.Next(at); !got.Equal(c.next) {
			t.Errorf("%q.Next(%v) = %v; want %v", c.expr, at, got, c.next)
		}
		// A schedule read back from the manifest computes the same ticks.
		var back sdk.Schedule
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &back)
		if got := back.Next(at); !got.Equal(c.next) {
			t.Errorf("%q after JSON: Next = %v; want %v", c.expr, got, c.next)
		}
	}
}

func TestManifest(t *testing.T) {
	a := sdk.New("demo", nil)
	a.Bucket("files", nil)
	a.Collection("items", &sdk.CollectionOptions{KeyField: "sku"})
	a.Topic("events", &sdk.ResourceOptions{URL: "mem://events"})
	a.HTTP("web", http.NotFoundHandler(), &sdk.HTTPOptions{Path: "/api/", FunctionOptions: sdk.FunctionOptions{Timeout: 5 * time.Second}})
	a.Message("count", "events", nopMsg, &sdk.MessageOptions{MaxAttempts: 3})
	a.BlobEvent("meta", "files", nopBlob, &sdk.BlobOptions{Events: []sdk.BlobEventKind{sdk.BlobCreated}, Prefix: "in/"})
	a.Schedule("tick", "rate(10 minutes)", nopTick, nil)
	if err := a.Err(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(a.Manifest())
	if err != nil {
		t.Fatal(err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.App != "demo" || len(m.Functions) != 4 || len(m.Resources) != 3 {
		t.Fatalf("manifest %s", b)
	}
	f := m.Functions
	if f[0].HTTP.Path != "/api/" || f[0].Timeout != 5*time.Second || f[0].MemoryMB != 256 {
		t.Errorf("http function %+v", f[0])
	}
	if f[1].Message.Topic != "events" || f[1].Message.MaxAttempts != 3 {
		t.Errorf("message function %+v", f[1].Message)
	}
	if f[2].Blob.Bucket != "files" || len(f[2].Blob.Events) != 1 || f[2].Blob.Prefix != "in/" {
		t.Errorf("blob function %+v", f[2].Blob)
	}
	if f[3].Schedule.Every != 10*time.Minute {
		t.Errorf("schedule function %+v", f[3].Schedule)
	}
	r := m.Resources
	if r[0].Env != "FAAS_BUCKET_FILES" || r[1].KeyField != "sku" || r[1].Env != "FAAS_COLLECTION_ITEMS" || r[2].URL != "mem://events" {
		t.Errorf("resources %+v", r)
	}
}

func TestResourcesOpenOnceFromBinding(t *testing.T) {
	a := sdk.New("demo", nil)
	b := a.Bucket("files", nil)
	unbound := a.Topic("later", nil)
	lookups := 0
	provider.Bind(a, nil, func(k string) (string, bool) {
		lookups++
		if k == "FAAS_BUCKET_FILES" {
			return "mem://", true
		}
		return "", false
	})
	ctx := context.Background()
	b1, err := b.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := b.Open(ctx)
	if b1 != b2 || lookups != 1 {
		t.Errorf("opened twice (%p, %p) with %d lookups; want one process-wide bucket", b1, b2, lookups)
	}
	_, err = unbound.Open(ctx)
	if sdk.CodeOf(err) != sdk.CodeUnavailable || !strings.Contains(err.Error(), "set FAAS_TOPIC_LATER") {
		t.Errorf("unbound topic: %v; want an unavailable error naming the variable", err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

type nativeEvent struct{ Region string }

func TestAsAndPanics(t *testing.T) {
	a := sdk.New("demo", nil)
	a.Topic("t", nil)
	var sawNative string
	f := a.Message("m", "t", func(ctx context.Context, m *sdk.Message) error {
		var n nativeEvent
		if m.As(&n) {
			sawNative = n.Region
			var p *nativeEvent
			if !m.As(&p) || p.Region != n.Region {
				t.Error("As into a pointer failed")
			}
		}
		var wrong string
		if m.As(&wrong) {
			t.Error("As into an unrelated type succeeded")
		}
		if string(m.Data) == "panic" {
			panic("boom")
		}
		return nil
	}, nil)
	m := &sdk.Message{Data: []byte("x")}
	provider.SetNative(m, &nativeEvent{Region: "eu"})
	if err := provider.HandleMessage(context.Background(), f, m); err != nil || sawNative != "eu" {
		t.Errorf("HandleMessage = %v, native %q", err, sawNative)
	}
	err := provider.HandleMessage(context.Background(), f, &sdk.Message{Data: []byte("panic")})
	var pe *sdk.PanicError
	if sdk.CodeOf(err) != sdk.CodeInternal || !errorsAs(err, &pe) || !sdk.Retryable(err) {
		t.Errorf("panic became %v; want a retryable internal *PanicError", err)
	}
}
