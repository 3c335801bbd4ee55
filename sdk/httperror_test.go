package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	_ "gocloud.dev/docstore/memdocstore"
	"gocloud.dev/gcerrors"
)

// gocloudNotFound returns a real gocloud.dev NotFound error whose text
// names the key, as drivers' errors do.
func gocloudNotFound(t *testing.T) error {
	t.Helper()
	coll, err := docstore.OpenCollection(context.Background(), "mem://c/id")
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	err = coll.Get(context.Background(), map[string]any{"id": "users/alice/secret-key"})
	if gcerrors.Code(err) != gcerrors.NotFound {
		t.Fatalf("memdocstore Get of a missing doc: %v; want NotFound", err)
	}
	return err
}

func TestWriteError(t *testing.T) {
	notFound := gocloudNotFound(t)
	cases := []struct {
		name      string
		err       error
		status    int
		code      string
		msg       string
		field     string
		withheld  bool // the text is replaced, a request ID given and the detail logged
		secretOut string
	}{
		{"field error", sdk.FieldError("title", "title is required"), 400, "invalid_input", "title is required", "title", false, ""},
		{"not found", sdk.Errorf(sdk.CodeNotFound, "to-do %q not found", "x"), 404, "not_found", `to-do "x" not found`, "", false, ""},
		{"conflict", sdk.Errorf(sdk.CodeConflict, "stale"), 409, "conflict", "stale", "", false, ""},
		{"precondition", sdk.Errorf(sdk.CodeFailedPrecondition, "if-match"), 412, "failed_precondition", "if-match", "", false, ""},
		{"unauthenticated", sdk.Errorf(sdk.CodeUnauthenticated, "no token"), 401, "unauthenticated", "no token", "", false, ""},
		{"forbidden", sdk.Errorf(sdk.CodeForbidden, "no"), 403, "forbidden", "no", "", false, ""},
		{"unavailable with a message", sdk.Errorf(sdk.CodeUnavailable, "db at 10.0.0.7 down"), 503, "unavailable", "the service is temporarily unavailable; try again", "", true, "10.0.0.7"},
		{"unavailable wrapping a driver error", sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: get alice/x: %w", errorString("sqlite: disk I/O error"))), 503, "unavailable", "the service is temporarily unavailable; try again", "", true, "alice/x"},
		{"internal", errorString("secret db password in message"), 500, "internal", "internal error", "", true, "secret"},
		{"bare wrap of a client code", sdk.Wrap(sdk.CodeNotFound, notFound), 404, "not_found", "not found", "", true, "secret-key"},
		{"bare gocloud error", notFound, 404, "not_found", "not found", "", true, "secret-key"},
		{"gocloud error under a plain wrap", fmt.Errorf("todo: load users/alice: %w", notFound), 404, "not_found", "not found", "", true, "users/alice"},
		{"Errorf with a cause", sdk.Errorf(sdk.CodeUnavailable, "saving %s: %w", "bob's list", errorString("disk full")), 503, "unavailable", "the service is temporarily unavailable; try again", "", true, "bob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			inv := &sdk.Invocation{ID: "inv-42", Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			rec := httptest.NewRecorder()
			sdk.WriteErrorContext(provider.NewContext(context.Background(), inv), rec, c.err)
			var body sdk.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			got := body.Error
			if rec.Code != c.status || got.Code != c.code || got.Message != c.msg || got.Field != c.field {
				t.Errorf("WriteErrorContext(%v) = %d %+v; want %d %s %q %q", c.err, rec.Code, got, c.status, c.code, c.msg, c.field)
			}
			if c.secretOut != "" && strings.Contains(rec.Body.String(), c.secretOut) {
				t.Errorf("the response %s leaks %q", rec.Body.String(), c.secretOut)
			}
			if !c.withheld {
				if got.RequestID != "" || logs.Len() != 0 {
					t.Errorf("client error got request ID %q and log %q; want neither", got.RequestID, logs.String())
				}
				return
			}
			if got.RequestID != "inv-42" {
				t.Errorf("request_id %q; want the invocation ID inv-42", got.RequestID)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			if line["request_id"] != "inv-42" || line["error"] != c.err.Error() || line["code"] != c.code {
				t.Errorf("log line %v; want request_id inv-42, code %s and the full error %q", line, c.code, c.err)
			}
		})
	}
}

func TestWriteErrorWithoutInvocation(t *testing.T) {
	var ids []string
	for range 2 {
		rec := httptest.NewRecorder()
		sdk.WriteError(rec, sdk.Wrap(sdk.CodeUnavailable, errorString("table todos: throttled")))
		var body sdk.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 503 || strings.Contains(rec.Body.String(), "throttled") || len(body.Error.RequestID) < 16 {
			t.Fatalf("WriteError = %d %s; want 503, no detail and a request ID", rec.Code, rec.Body)
		}
		ids = append(ids, body.Error.RequestID)
	}
	if ids[0] == ids[1] {
		t.Errorf("two errors share request ID %s", ids[0])
	}
}

func TestErrorfKeepsItsCause(t *testing.T) {
	wrapped := sdk.Errorf(sdk.CodeUnavailable, "saving: %w", errorString("disk full"))
	if wrapped.Error() != "saving: disk full" || !errorsIs(wrapped, errorString("disk full")) {
		t.Errorf("Errorf with %%w: %q", wrapped)
	}
}

// TestWriteJSON: both writers send the same headers; WriteJSON ends the
// document with a newline, an unencodable value is a 500 with a JSON body,
// and WriteJSONBytes writes its bytes unchanged.
func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name       string
		write      func(w *httptest.ResponseRecorder)
		wantStatus int
		wantBody   string
	}{
		{"value", func(w *httptest.ResponseRecorder) { sdk.WriteJSON(w, 201, map[string]int{"n": 1}) }, 201, "{\"n\":1}\n"},
		{"unencodable", func(w *httptest.ResponseRecorder) { sdk.WriteJSON(w, 200, func() {}) }, 500, `{"error":{"code":"internal","message":"encoding response"}}` + "\n"},
		{"bytes", func(w *httptest.ResponseRecorder) { sdk.WriteJSONBytes(w, 200, []byte(`{"a":[]}`)) }, 200, `{"a":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.write(w)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q; want %d %q", w.Code, w.Body, tt.wantStatus, tt.wantBody)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
}
