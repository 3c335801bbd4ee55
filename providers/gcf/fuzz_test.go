package gcf

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json/jsontext"
)

// The fuzz tests run the event decoders on any input, seeded with the
// fixtures in testdata: the CloudEvents SDK's parsing of a structured
// event followed by the shim's handlers (FuzzCloudEvent), and the data
// decoders decodeMessage and decodeBlob, each against a reference that
// reads the same data with encoding/json into a generic value and applies
// the documented mapping (FuzzDecodeMessage, FuzzDecodeBlob). Nothing may
// panic.

var (
	messageFixtures = []string{"pubsub-binary-text.json", "pubsub-binary-binary.json"}
	blobFixtures    = []string{"storage-binary-simple.json"}
	structured      = []string{"pubsub-structured.json", "storage-structured-workflows.json"}
)

func fixtureBytes(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// fuzzEvent is a binary-mode CloudEvent of type typ carrying data.
func fuzzEvent(t *testing.T, typ string, data []byte) *cloudevents.Event {
	e := cloudevents.NewEvent()
	e.SetID("event-1")
	e.SetType(typ)
	e.SetSource("//fuzz")
	e.SetTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		t.Fatal(err)
	}
	return &e
}

// ambiguous reports whether data has names encoding/json may match to a
// field of t that a generic reading does not see under the same name: a
// name equal to a json tag of t (or of a type inside it) only when case is
// ignored, or a name given twice in one object (encoding/json merges the
// second into the first).
func ambiguous(data []byte, t reflect.Type) bool {
	if !jsontext.Value(data).IsValid(jsontext.AllowInvalidUTF8(true)) {
		return true // duplicate names (or not JSON at all)
	}
	exact, folded := map[string]bool{}, map[string]bool{}
	tags(t, exact, folded, map[reflect.Type]bool{})
	d := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowInvalidUTF8(true))
	for {
		tok, err := d.ReadToken()
		if err != nil {
			return false
		}
		if k, n := d.StackIndex(d.StackDepth()); tok.Kind() == '"' && k == '{' && n%2 == 1 {
			if name := tok.String(); !exact[name] && folded[fold(name)] {
				return true
			}
		}
	}
}

func fold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, s)
}

func tags(t reflect.Type, exact, folded map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		exact[name], folded[fold(name)] = true, true
		tags(t.Field(i).Type, exact, folded, seen)
	}
}

// generic reads data as encoding/json does into an any, numbers exact.
func generic(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// member returns obj[name] when obj is an object.
func member(obj any, name string) any {
	m, _ := obj.(map[string]any)
	return m[name]
}

// FuzzDecodeMessage checks decodeMessage against a generic reading of the
// MessagePublishedData: the message ID (the event's when absent), the
// base64 data, the attributes, the delivery attempt and the publish time
// (the event's when absent or not RFC 3339).
func FuzzDecodeMessage(f *testing.F) {
	for _, n := range messageFixtures {
		f.Add(fixtureBytes(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := fuzzEvent(t, TypeMessagePublished, data)
		m, err := decodeMessage(e)
		v, gerr := generic(data)
		if gerr != nil || ambiguous(data, reflect.TypeFor[MessagePublishedData]()) {
			if err == nil && gerr != nil {
				t.Fatalf("decoded what encoding/json cannot read (%v): %q", gerr, data)
			}
			return
		}
		want, ok := expectedMessage(v, e)
		if !ok {
			if err == nil {
				t.Fatalf("decoded a message whose fields have the wrong types: %q -> %+v", data, m)
			}
			return
		}
		if err != nil {
			t.Fatalf("rejected %q: %v; want %+v", data, err, want)
		}
		if m.ID != want.ID || !bytes.Equal(m.Data, want.Data) || !reflect.DeepEqual(m.Attributes, want.Attributes) ||
			m.Attempt != want.Attempt || !m.PublishTime.Equal(want.PublishTime) {
			t.Fatalf("%q decoded as\n%+v\nwant\n%+v", data, m, want)
		}
	})
}

// expectedMessage is the message the generic reading v of a
// MessagePublishedData gives; ok is false when a field has a type the
// typed decoding must reject.
func expectedMessage(v any, e *cloudevents.Event) (*sdk.Message, bool) {
	if v == nil {
		v = map[string]any{}
	}
	if _, isObj := v.(map[string]any); !isObj {
		return nil, false
	}
	msg := member(v, "message")
	if _, isObj := msg.(map[string]any); !isObj && msg != nil {
		return nil, false
	}
	want := &sdk.Message{Data: []byte{}, Attributes: map[string]string{}, PublishTime: e.Time().UTC()}
	strs := map[string]*string{"messageId": &want.ID}
	var publish string
	strs["publishTime"] = &publish
	for name, dst := range strs {
		switch s := member(msg, name).(type) {
		case string:
			*dst = s
		case nil:
		default:
			return nil, false
		}
	}
	for _, name := range []string{"orderingKey"} {
		if s := member(msg, name); s != nil {
			if _, isStr := s.(string); !isStr {
				return nil, false
			}
		}
	}
	if s := member(v, "subscription"); s != nil {
		if _, isStr := s.(string); !isStr {
			return nil, false
		}
	}
	switch d := member(msg, "data").(type) {
	case string:
		// encoding/json skips line breaks in base64.
		b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(d))
		if err != nil {
			return nil, false
		}
		want.Data = b
	case nil:
	default:
		return nil, false
	}
	switch a := member(msg, "attributes").(type) {
	case map[string]any:
		for k, v := range a {
			s, isStr := v.(string)
			if !isStr && v != nil {
				return nil, false
			}
			want.Attributes[k] = s
		}
	case nil:
	default:
		return nil, false
	}
	switch n := member(v, "deliveryAttempt").(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 0)
		if err != nil {
			return nil, false
		}
		want.Attempt = int(i)
	case nil:
	default:
		return nil, false
	}
	if want.ID == "" {
		want.ID = e.ID()
	}
	if t, err := time.Parse(time.RFC3339Nano, publish); err == nil {
		want.PublishTime = t.UTC()
	}
	return want, true
}

// FuzzDecodeBlob checks decodeBlob against a generic reading of the
// StorageObjectData: the name (required), size (a number or a string
// holding one), content type, ETag and time (updated, or timeDeleted for
// a deletion; the event's when absent or not RFC 3339).
func FuzzDecodeBlob(f *testing.F) {
	for _, n := range blobFixtures {
		f.Add(fixtureBytes(f, n), false)
		f.Add(fixtureBytes(f, n), true)
	}
	fields := map[string]bool{}
	tags(reflect.TypeFor[StorageObjectData](), fields, map[string]bool{}, map[reflect.Type]bool{})
	f.Fuzz(func(t *testing.T, data []byte, deleted bool) {
		kind := sdk.BlobCreated
		if deleted {
			kind = sdk.BlobDeleted
		}
		e := fuzzEvent(t, TypeObjectFinalized, data)
		b, err := decodeBlob(e, kind)
		v, gerr := generic(data)
		if gerr != nil || ambiguous(data, reflect.TypeFor[StorageObjectData]()) {
			if err == nil && gerr != nil {
				t.Fatalf("decoded what encoding/json cannot read (%v): %q", gerr, data)
			}
			return
		}
		want, ok := expectedBlob(v, e, kind, fields)
		if !ok {
			if err == nil {
				t.Fatalf("decoded a storage object whose fields have the wrong types: %q -> %+v", data, b)
			}
			return
		}
		if err != nil {
			t.Fatalf("rejected %q: %v; want %+v", data, err, want)
		}
		if b.Key != want.Key || b.Size != want.Size || b.ContentType != want.ContentType || b.ETag != want.ETag || !b.Time.Equal(want.Time) || b.Kind != kind {
			t.Fatalf("%q decoded as\n%+v\nwant\n%+v", data, b, want)
		}
	})
}

// expectedBlob is the blob event the generic reading v of a
// StorageObjectData (whose json tags are fields) gives; ok is false when
// it must be rejected.
func expectedBlob(v any, e *cloudevents.Event, kind sdk.BlobEventKind, fields map[string]bool) (*sdk.BlobEvent, bool) {
	if v == nil {
		v = map[string]any{}
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, false
	}
	strs := map[string]string{}
	ints := map[string]int64{}
	for name, val := range obj {
		if !fields[name] {
			continue
		}
		switch name {
		case "size", "generation", "metageneration":
			n, ok := int64Of(val)
			if !ok {
				return nil, false
			}
			ints[name] = n
		case "metadata":
			m, isMap := val.(map[string]any)
			if !isMap && val != nil {
				return nil, false
			}
			for _, x := range m {
				if _, isStr := x.(string); !isStr && x != nil {
					return nil, false
				}
			}
		default:
			s, isStr := val.(string)
			if !isStr && val != nil {
				return nil, false
			}
			strs[name] = s
		}
	}
	if strs["name"] == "" {
		return nil, false
	}
	want := &sdk.BlobEvent{Kind: kind, Key: strs["name"], Size: ints["size"], ContentType: strs["contentType"], ETag: strs["etag"], Time: e.Time().UTC()}
	stamp := strs["updated"]
	if kind == sdk.BlobDeleted && strs["timeDeleted"] != "" {
		stamp = strs["timeDeleted"]
	}
	if t, err := time.Parse(time.RFC3339Nano, stamp); err == nil {
		want.Time = t.UTC()
	}
	return want, true
}

// int64Of reads an Int64 field: a JSON integer, or a string holding one
// (proto3 JSON's int64); null is 0.
func int64Of(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return 0, true
	case json.Number:
		s = string(x)
	case string:
		if x == "" {
			return 0, true
		}
		s = x
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// FuzzCloudEvent parses any structured-mode body with the CloudEvents SDK,
// as the functions framework does, and runs the shim's message and blob
// handlers on what it accepts: each succeeds or answers an HTTP result of
// 400 (undecodable), 500 or 503, and never panics.
func FuzzCloudEvent(f *testing.F) {
	for _, n := range structured {
		f.Add(fixtureBytes(f, n))
	}
	a := sdk.New("fuzz", nil)
	a.Topic("inbox", nil)
	a.Bucket("uploads", nil)
	a.Message("msg", "inbox", func(context.Context, *sdk.Message) error { return nil }, nil)
	a.BlobEvent("blob", "uploads", func(context.Context, *sdk.BlobEvent) error { return errors.New("retry") }, nil)
	s, err := New(a, &Options{Log: io.Discard})
	if err != nil {
		f.Fatal(err)
	}
	var fns []func(context.Context, cloudevents.Event) error
	for _, name := range []string{"msg", "blob"} {
		fn, err := s.CloudEventFunc(name)
		if err != nil {
			f.Fatal(err)
		}
		fns = append(fns, fn)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var e cloudevents.Event
		if e.UnmarshalJSON(body) != nil {
			return
		}
		for _, fn := range fns {
			err := fn(t.Context(), e)
			if err == nil {
				continue
			}
			var res *cehttp.Result
			if !errors.As(err, &res) || (res.StatusCode != 400 && res.StatusCode != 500 && res.StatusCode != 503) {
				t.Fatalf("event %q: %v; want a 400, 500 or 503 result", body, err)
			}
		}
	})
}
