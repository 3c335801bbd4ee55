// Package capp is the conformance app: the one app every provider shim runs
// under the providertest suite. Each handler reports what it saw, either in
// its HTTP response or as a JSON record in the "records" bucket, so the suite
// can check a provider without knowing how it is hosted.
package capp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/blob"
)

// Names of the conformance app's functions and resources.
const (
	HTTPFunction     = "web"
	MessageFunction  = "msg"
	BlobFunction     = "blobs"
	ScheduleFunction = "tick"
	RecordsBucket    = "records"
	UploadsBucket    = "uploads"
	InboxTopic       = "inbox"
	ScheduleExpr     = "rate(5 minutes)"
	HTTPTimeout      = 20 * time.Second
	// MessageMaxAttempts is the message function's MaxAttempts.
	MessageMaxAttempts = 5
)

// Echo is the JSON body of a /echo response.
type Echo struct {
	Method       string              `json:"method"`
	Path         string              `json:"path"`
	EscapedPath  string              `json:"escaped_path"`
	RawQuery     string              `json:"raw_query"`
	Query        map[string][]string `json:"query"`
	Headers      map[string][]string `json:"headers"`
	Cookies      map[string]string   `json:"cookies"`
	BodyLen      int                 `json:"body_len"`
	BodySHA256   string              `json:"body_sha256"`
	InvocationID string              `json:"invocation_id"`
	Host         string              `json:"host"`
}

// MessageRecord is what the message function stores for every delivery at
// "messages/<attributes[key]>/<attempt-count>.json".
type MessageRecord struct {
	ID           string            `json:"id"`
	Topic        string            `json:"topic"`
	Data         []byte            `json:"data"`
	Attributes   map[string]string `json:"attributes"`
	Attempt      int               `json:"attempt"` // as reported by the platform
	Count        int               `json:"count"`   // deliveries seen by the app, 1-based
	InvocationID string            `json:"invocation_id"`
	HasDeadline  bool              `json:"has_deadline"`
}

// BlobRecord is stored at "blobs/<key>.json".
type BlobRecord struct {
	Kind         sdk.BlobEventKind `json:"kind"`
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	Size         int64             `json:"size"`
	ContentType  string            `json:"content_type"`
	InvocationID string            `json:"invocation_id"`
}

// ScheduleRecord is stored at "schedules/<event id>.json".
type ScheduleRecord struct {
	ID           string    `json:"id"`
	Schedule     string    `json:"schedule"`
	Time         time.Time `json:"time"`
	InvocationID string    `json:"invocation_id"`
}

// App builds the conformance app.
func App() *sdk.App {
	a := sdk.New("conformance", nil)
	records := a.Bucket(RecordsBucket, nil)
	a.Bucket(UploadsBucket, nil)
	a.Topic(InboxTopic, nil)
	a.HTTP(HTTPFunction, newMux(), &sdk.HTTPOptions{FunctionOptions: sdk.FunctionOptions{Timeout: HTTPTimeout}})
	a.Message(MessageFunction, InboxTopic, func(ctx context.Context, m *sdk.Message) error {
		return handleMessage(ctx, records, m)
	}, &sdk.MessageOptions{MaxAttempts: MessageMaxAttempts})
	a.BlobEvent(BlobFunction, UploadsBucket, func(ctx context.Context, e *sdk.BlobEvent) error {
		return put(ctx, records, "blobs/"+e.Key+".json", BlobRecord{
			Kind: e.Kind, Bucket: e.Bucket, Key: e.Key, Size: e.Size, ContentType: e.ContentType, InvocationID: invID(ctx),
		})
	}, nil)
	a.Schedule(ScheduleFunction, ScheduleExpr, func(ctx context.Context, e *sdk.ScheduleEvent) error {
		return put(ctx, records, "schedules/"+e.ID+".json", ScheduleRecord{ID: e.ID, Schedule: e.Schedule, Time: e.Time, InvocationID: invID(ctx)})
	}, nil)
	return a
}

func invID(ctx context.Context) string {
	if inv := sdk.InvocationFrom(ctx); inv != nil {
		return inv.ID
	}
	return ""
}

// handleMessage records the delivery, then fails as the attributes ask:
// "fail"=N fails the first N deliveries (with "code" if set, else
// unavailable), "panic"=N panics on the first N, "code"=<sdk code> alone
// always fails with that code.
func handleMessage(ctx context.Context, records *sdk.Bucket, m *sdk.Message) error {
	key := m.Attributes["key"]
	if key == "" {
		return sdk.FieldError("attributes.key", "conformance message without a key attribute")
	}
	b, err := records.Open(ctx)
	if err != nil {
		return err
	}
	count := 1
	for ; ; count++ {
		ok, err := b.Exists(ctx, fmt.Sprintf("messages/%s/%d.json", key, count))
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	_, hasDeadline := ctx.Deadline()
	rec := MessageRecord{ID: m.ID, Topic: m.Topic, Data: m.Data, Attributes: m.Attributes, Attempt: m.Attempt, Count: count, InvocationID: invID(ctx), HasDeadline: hasDeadline}
	if err := put(ctx, records, fmt.Sprintf("messages/%s/%d.json", key, count), rec); err != nil {
		return err
	}
	if n, _ := strconv.Atoi(m.Attributes["panic"]); count <= n {
		panic("conformance: panic requested")
	}
	code, hasCode := sdk.ParseCode(m.Attributes["code"])
	if n, err := strconv.Atoi(m.Attributes["fail"]); err == nil {
		if count > n {
			return nil
		}
		if !hasCode {
			code = sdk.CodeUnavailable
		}
		return sdk.Errorf(code, "conformance: failing delivery %d of %d", count, n)
	}
	if hasCode {
		return sdk.Errorf(code, "conformance: failing with %s", code)
	}
	return nil
}

func put(ctx context.Context, records *sdk.Bucket, key string, v any) error {
	b, err := records.Open(ctx)
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/json"})
}

func newMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo/", echo)
	// App routes named like the non-HTTP functions: a provider must not
	// take a request for them as a trigger delivery.
	for _, fn := range []string{MessageFunction, BlobFunction, ScheduleFunction} {
		mux.HandleFunc("/"+fn, echo)
	}
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			sdk.WriteError(w, sdk.Wrap(sdk.CodeInvalidInput, err))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 8<<20 {
			sdk.WriteError(w, sdk.FieldError("n", "n must be an integer in [0, 8 MiB]"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(Pattern(n))
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		c, ok := sdk.ParseCode(r.URL.Query().Get("code"))
		if !ok {
			sdk.WriteError(w, sdk.FieldError("code", "unknown code %q", r.URL.Query().Get("code")))
			return
		}
		sdk.WriteError(w, &sdk.Error{Code: c, Field: r.URL.Query().Get("field"), Message: "requested " + c.String()})
	})
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("conformance: panic requested") })
	mux.HandleFunc("/deadline", func(w http.ResponseWriter, r *http.Request) {
		d, ok := r.Context().Deadline()
		var remaining int64
		if ok {
			remaining = time.Until(d).Milliseconds()
		}
		sdk.WriteJSON(w, http.StatusOK, map[string]any{"has_deadline": ok, "remaining_ms": remaining})
	})
	mux.HandleFunc("/invocation", func(w http.ResponseWriter, r *http.Request) {
		inv := sdk.InvocationFrom(r.Context())
		if inv == nil {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeInternal, "no invocation in context"))
			return
		}
		sdk.WriteJSON(w, http.StatusOK, map[string]string{"id": inv.ID, "function": inv.Function, "provider": inv.Provider, "trace_id": inv.TraceID})
	})
	return mux
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		sdk.WriteError(w, sdk.Wrap(sdk.CodeInvalidInput, err))
		return
	}
	sum := sha256.Sum256(body)
	e := Echo{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Query: r.URL.Query(), Headers: map[string][]string{}, Cookies: map[string]string{},
		BodyLen: len(body), BodySHA256: hex.EncodeToString(sum[:]), InvocationID: invID(r.Context()), Host: r.Host,
	}
	for k, v := range r.Header {
		if k != "Cookie" {
			e.Headers[k] = v
		}
	}
	for _, c := range r.Cookies() {
		e.Cookies[c.Name] = c.Value
	}
	names := make([]string, 0, len(e.Cookies))
	for n := range e.Cookies {
		names = append(names, n)
	}
	sort.Strings(names)
	h := w.Header()
	h.Add("X-Multi", "one")
	h.Add("X-Multi", "two")
	for _, n := range names {
		http.SetCookie(w, &http.Cookie{Name: "seen-" + n, Value: e.Cookies[n], Path: "/", HttpOnly: true})
	}
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", Secure: true, SameSite: http.SameSiteLaxMode})
	status := http.StatusOK
	if s := r.URL.Query().Get("status"); s != "" {
		status, err = strconv.Atoi(s)
		if err != nil || status < 200 || status > 599 {
			sdk.WriteError(w, sdk.FieldError("status", "status must be 200-599"))
			return
		}
	}
	if status >= 300 && status < 400 {
		h.Set("Location", "/echo/redirected")
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	b, _ := json.Marshal(e)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// Pattern returns n deterministic printable bytes, used for large bodies.
func Pattern(n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[(i*7+i/64)%len(alphabet)]
	}
	return b
}
