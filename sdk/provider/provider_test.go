package provider_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/provider"
)

// memBinder opens every bucket in memory and counts the opens.
type memBinder struct{ buckets int }

func (b *memBinder) OpenBucket(context.Context, string, string) (*blob.Bucket, error) {
	b.buckets++
	return memblob.OpenBucket(nil), nil
}

func (*memBinder) OpenCollection(context.Context, *sdk.CollectionSpec, string) (*docstore.Collection, error) {
	return nil, errors.New("no collections here")
}

func (*memBinder) OpenTopic(context.Context, string, string) (*pubsub.Topic, error) {
	return nil, errors.New("no topics here")
}

func TestBind(t *testing.T) {
	t.Run("binder", func(t *testing.T) {
		app := sdk.New("bind", nil)
		files := app.Bucket("files", nil)
		b := &memBinder{}
		provider.Bind(app, b, func(string) (string, bool) { return "", false })
		for range 2 {
			if _, err := files.Open(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if b.buckets != 1 {
			t.Errorf("binder opened the bucket %d times; want once", b.buckets)
		}
	})
	t.Run("nil binder opens URLs", func(t *testing.T) {
		app := sdk.New("bind", nil)
		files := app.Bucket("files", nil)
		provider.Bind(app, nil, func(k string) (string, bool) {
			return "mem://", k == provider.EnvVar(sdk.KindBucket, "files")
		})
		if _, err := files.Open(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("nil binder names the variable to set", func(t *testing.T) {
		app := sdk.New("bind", nil)
		files := app.Bucket("my-files", nil)
		provider.Bind(app, nil, func(string) (string, bool) { return "", false })
		_, err := files.Open(t.Context())
		if err == nil || !strings.Contains(err.Error(), "FAAS_BUCKET_MY_FILES") {
			t.Fatalf("Open = %v; want an error naming FAAS_BUCKET_MY_FILES", err)
		}
	})
}

func TestEnvVar(t *testing.T) {
	for _, tc := range []struct {
		kind sdk.ResourceKind
		name string
		want string
	}{
		{sdk.KindBucket, "attachments", "FAAS_BUCKET_ATTACHMENTS"},
		{sdk.KindCollection, "todo-items", "FAAS_COLLECTION_TODO_ITEMS"},
		{sdk.KindTopic, "Events", "FAAS_TOPIC_EVENTS"},
	} {
		if got := provider.EnvVar(tc.kind, tc.name); got != tc.want {
			t.Errorf("EnvVar(%s, %q) = %q; want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}

func TestHandler(t *testing.T) {
	app := sdk.New("h", nil)
	ok := app.HTTP("ok", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inv := sdk.InvocationFrom(r.Context())
		if inv == nil {
			t.Error("no invocation in the request context")
			return
		}
		w.Write([]byte(inv.ID))
	}), nil)
	boom := app.HTTP("boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), nil)
	msg := app.Message("msg", "events", func(context.Context, *sdk.Message) error { return nil }, nil)

	for _, tc := range []struct {
		name   string
		f      *sdk.Function
		status int
		body   string
	}{
		{"invocation reaches the handler", ok, 200, "inv-1"},
		{"panic becomes a 500 JSON error", boom, 500, `"code":"internal"`},
		{"not an HTTP function", msg, 404, `"code":"not_found"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r = r.WithContext(provider.NewContext(r.Context(), &sdk.Invocation{ID: "inv-1", Function: tc.f.Name(), Logger: slog.New(slog.DiscardHandler)}))
			w := httptest.NewRecorder()
			provider.Handler(tc.f).ServeHTTP(w, r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("got %d %s; want %d containing %s", w.Code, w.Body, tc.status, tc.body)
			}
		})
	}
}

type nativeSQS struct{ Queue string }

func TestHandleEvents(t *testing.T) {
	app := sdk.New("ev", nil)
	app.Topic("events", nil)
	app.Bucket("files", nil)
	var got []string
	msg := app.Message("msg", "events", func(_ context.Context, m *sdk.Message) error {
		var n *nativeSQS
		if !m.As(&n) {
			return errors.New("no native event")
		}
		got = append(got, "msg:"+m.Topic+":"+n.Queue)
		return nil
	}, nil)
	blobFn := app.BlobEvent("up", "files", func(_ context.Context, e *sdk.BlobEvent) error {
		got = append(got, "blob:"+e.Bucket+"/"+e.Key)
		return nil
	}, &sdk.BlobOptions{Prefix: "in/"})
	tick := app.Schedule("tick", "*/5 * * * *", func(_ context.Context, e *sdk.ScheduleEvent) error {
		got = append(got, "tick:"+e.Schedule)
		return nil
	}, nil)
	panics := app.Message("panics", "events", func(context.Context, *sdk.Message) error { panic("bad") }, nil)
	quiet := slog.New(slog.DiscardHandler)
	ctx := provider.NewContext(t.Context(), &sdk.Invocation{ID: "e", Logger: quiet})
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}

	m := &sdk.Message{ID: "1"}
	provider.SetNative(m, &nativeSQS{Queue: "q"})
	if err := provider.HandleMessage(ctx, msg, m); err != nil {
		t.Fatal(err)
	}
	if err := provider.HandleBlob(ctx, blobFn, &sdk.BlobEvent{Kind: sdk.BlobCreated, Key: "in/a"}); err != nil {
		t.Fatal(err)
	}
	if err := provider.HandleBlob(ctx, blobFn, &sdk.BlobEvent{Kind: sdk.BlobCreated, Key: "out/b"}); err != nil {
		t.Fatal(err)
	}
	if err := provider.HandleSchedule(ctx, tick, &sdk.ScheduleEvent{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"msg:events:q", "blob:files/in/a", "tick:*/5 * * * *"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("handled %q; want %q (the blob outside the prefix skipped)", got, want)
	}

	err := provider.HandleMessage(ctx, panics, &sdk.Message{})
	var pe *sdk.PanicError
	if !errors.As(err, &pe) || sdk.CodeOf(err) != sdk.CodeInternal || pe.Value != "bad" {
		t.Errorf("panicking handler: %v; want an internal error wrapping a PanicError", err)
	}
	if err := provider.HandleMessage(ctx, tick, &sdk.Message{}); sdk.CodeOf(err) != sdk.CodeInvalidInput {
		t.Errorf("message to a schedule function: %v; want invalid input", err)
	}
	if err := provider.HandleSchedule(ctx, msg, &sdk.ScheduleEvent{}); sdk.CodeOf(err) != sdk.CodeInvalidInput {
		t.Errorf("tick to a message function: %v; want invalid input", err)
	}
}
