package azurefunc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/faaskit/faas/sdk"
)

// The fuzz tests run the invocation decoders on any input, seeded with the
// host payloads in testdata: a whole invocation POSTed to a handler of
// every function kind (FuzzInvocation), the trigger decoders on any
// InvokeRequest (FuzzTriggers), and the value decoders against the way
// the host encodes values: Scalar and Bytes must give back what the host
// wrapped (FuzzScalar, FuzzBytes), Object what encoding/json reads from
// the unwrapped object (FuzzObject). Nothing may panic.

// fuzzKey is the trigger key of the fuzzed handler.
const fuzzKey = "0123456789abcdef0123456789abcdef"

// fixtures returns the bodies of every testdata fixture.
func fixtures(f *testing.F) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fixtureValues returns every Data and Metadata value of the fixtures,
// raw, as the host sent them.
func fixtureValues(f *testing.F) []json.RawMessage {
	f.Helper()
	var out []json.RawMessage
	for _, b := range fixtures(f) {
		var req InvokeRequest
		if err := json.Unmarshal(b, &req); err != nil {
			f.Fatal(err)
		}
		for _, m := range []map[string]json.RawMessage{req.Data, req.Metadata} {
			for _, v := range m {
				out = append(out, v)
			}
		}
	}
	return out
}

// FuzzInvocation POSTs any body to a handler of every function kind: each
// answers 200 with an invocation response, or an error status, and the
// handler never panics.
func FuzzInvocation(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b)
	}
	a := sdk.New("fuzz", nil)
	a.Topic("inbox", nil)
	a.Bucket("uploads", nil)
	a.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}), nil)
	a.Message("msg", "inbox", func(context.Context, *sdk.Message) error { return errors.New("retry") }, nil)
	a.BlobEvent("blobs", "uploads", func(context.Context, *sdk.BlobEvent) error { return nil }, nil)
	a.Schedule("tick", "rate(5 minutes)", func(context.Context, *sdk.ScheduleEvent) error { return nil }, nil)
	h, err := NewHandler(a, &Options{Log: io.Discard, TriggerKey: fuzzKey})
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{"/web", "/" + TriggerFunctionName("msg", fuzzKey), "/" + TriggerFunctionName("blobs", fuzzKey), "/" + TriggerFunctionName("tick", fuzzKey)}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range paths {
			req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader(body))
			req.Header.Set(HeaderInvocationID, "inv-1")
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code == http.StatusOK {
				var ir InvokeResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &ir); err != nil {
					t.Fatalf("%s: 200 without an invocation response (%v): %q for %q", p, err, rec.Body, body)
				}
			} else if rec.Code < 400 {
				t.Fatalf("%s: status %d for %q", p, rec.Code, body)
			}
		}
	})
}

// FuzzTriggers runs the trigger decoders on any InvokeRequest: each
// returns an event or an error, and a decoded message carries the body
// and metadata Bytes and Scalar read.
func FuzzTriggers(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req InvokeRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		if m, err := messageFrom(&req); err == nil {
			if !bytes.Equal(m.Data, Bytes(req.Data[BindingMessage])) || m.ID != Scalar(req.Metadata["MessageId"]) || m.Attempt != Int(req.Metadata["DeliveryCount"]) {
				t.Fatalf("message %+v from %q", m, body)
			}
		}
		if e, err := blobEventFrom(&req); err == nil && e != nil && (e.Key == "" || e.Kind != sdk.BlobCreated && e.Kind != sdk.BlobDeleted) {
			t.Fatalf("blob event %+v from %q", e, body)
		}
		if e, err := scheduleEventFrom(&req, "inv-1"); err == nil && (e.ID != "inv-1" || e.Time.IsZero()) {
			t.Fatalf("schedule event %+v from %q", e, body)
		}
	})
}

// FuzzScalar checks that Scalar gives back a string the way the host
// writes it: JSON-encoded once (a string that is not itself a quoted JSON
// string) or twice (JsonConvert.SerializeObject, then the JSON body).
func FuzzScalar(f *testing.F) {
	for _, v := range fixtureValues(f) {
		f.Add(Scalar(v))
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // the host writes UTF-8
		}
		once, _ := json.Marshal(s)
		twice, _ := json.Marshal(string(once))
		if got := Scalar(twice); got != s {
			t.Fatalf("Scalar(%s) = %q; want %q", twice, got, s)
		}
		var inner string
		if quoted := len(s) >= 2 && s[0] == '"' && json.Unmarshal([]byte(s), &inner) == nil; quoted {
			return // ambiguous: the host would have encoded it twice
		}
		if got := Scalar(once); got != s {
			t.Fatalf("Scalar(%s) = %q; want %q", once, got, s)
		}
	})
}

// FuzzBytes checks that Bytes gives back the bytes of a binary trigger
// payload (a base64 JSON string), and never panics on any other value.
func FuzzBytes(f *testing.F) {
	for _, v := range fixtureValues(f) {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Bytes(b)
		raw, _ := json.Marshal(base64.StdEncoding.EncodeToString(b))
		if got := Bytes(raw); !bytes.Equal(got, b) && !(len(b) == 0 && len(got) == 0) {
			t.Fatalf("Bytes(%s) = %q; want %q", raw, got, b)
		}
	})
}

// FuzzObject checks Object against encoding/json: an object sent as is,
// or JSON-encoded once or twice into a string, reads as encoding/json
// reads the object itself.
func FuzzObject(f *testing.F) {
	for _, v := range fixtureValues(f) {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		obj = bytes.TrimSpace(obj)
		if !utf8.Valid(obj) {
			return // encoding it into a string would replace the bad bytes
		}
		var want map[string]any
		wantErr := json.Unmarshal(obj, &want)
		if len(obj) > 0 && obj[0] == '"' {
			return // a string: Object unwraps it, encoding/json does not
		}
		once, _ := json.Marshal(string(obj))
		twice, _ := json.Marshal(string(once))
		for _, raw := range [][]byte{obj, once, twice} {
			var got map[string]any
			err := Object(raw, &got)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("Object(%s): %v; encoding/json on %q: %v", raw, err, obj, wantErr)
			}
			if err == nil && wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("Object(%s) = %v; encoding/json reads %v", raw, got, want)
			}
		}
	})
}
