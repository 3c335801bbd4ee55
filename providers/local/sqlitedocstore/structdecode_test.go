package sqlitedocstore

import (
	"math"
	"reflect"
	"testing"
	"time"

	"gocloud.dev/docstore/driver"
)

type planItem struct {
	Name string    `docstore:"name"`
	Size int64     `docstore:"size"`
	At   time.Time `docstore:"at"`
}

type planDoc struct {
	ID       string            `docstore:"id"`
	Title    string            `docstore:"title,omitempty"`
	Done     bool              `docstore:"done"`
	N        int32             `docstore:"n"`
	U        uint16            `docstore:"u"`
	F        float64           `docstore:"f"`
	At       time.Time         `docstore:"at"`
	Raw      []byte            `docstore:"raw"`
	Tags     []string          `docstore:"tags"`
	Meta     map[string]any    `docstore:"meta"`
	Item     planItem          `docstore:"item"`
	Items    []planItem        `docstore:"items"`
	Ptr      *planItem         `docstore:"ptr"`
	Any      any               `docstore:"any"`
	Named    planColor         `docstore:"color"`
	Text     planText          `docstore:"text"`
	Skip     string            `docstore:"-"`
	Untagged string            // named by its Go name
	hidden   string            // unexported: never decoded
	Counts   map[string]int64  `docstore:"counts"`
	Nested   map[string]string `docstore:"nested"`

	DocstoreRevision any
}

type planColor string

// planText decodes through encoding.TextUnmarshaler.
type planText struct{ s string }

func (t *planText) UnmarshalText(b []byte) error { t.s = "text:" + string(b); return nil }

type planEmbedded struct {
	planItem
	ID string `docstore:"id"`
}

type planBadTag struct {
	ID string `docstore:"id,bogus"`
}

// TestStructPlanMatchesGocloud decodes stored documents into structs both
// through plans and through gocloud's decoder, from the same starting
// value, and wants the same result, or an error from both.
func TestStructPlanMatchesGocloud(t *testing.T) {
	at := time.Date(2026, 12, 4, 15, 40, 39, 123, time.UTC)
	item := map[string]any{"name": "a", "size": int64(3), "at": at}
	tests := []struct {
		name   string
		stored storedDoc
		start  func() any // the document decoded into; nil means a new planDoc
	}{
		{"empty", storedDoc{}, nil},
		{"scalars", storedDoc{"id": "x", "title": "t", "done": true, "n": int64(-5), "u": int64(9), "f": 2.5, "Untagged": "u"}, nil},
		{"float from int", storedDoc{"f": int64(7)}, nil},
		{"int from integral float", storedDoc{"n": 3.0}, nil},
		{"int from fractional float", storedDoc{"n": 3.5}, nil},
		{"int overflow", storedDoc{"n": int64(math.MaxInt32) + 1}, nil},
		{"uint overflow", storedDoc{"u": int64(70000)}, nil},
		{"time", storedDoc{"at": at}, nil},
		{"time with offset", storedDoc{"at": at.In(time.FixedZone("x", 2*3600))}, nil},
		{"time stored in binary", storedDoc{"at": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"time from string", storedDoc{"at": "2026-12-04T15:40:39.000000123Z"}, nil},
		{"time from bad string", storedDoc{"at": "yesterday"}, nil},
		{"time from null", storedDoc{"at": nil}, func() any { return &planDoc{At: at} }},
		{"bytes", storedDoc{"raw": []byte{1, 2}}, nil},
		{"list", storedDoc{"tags": []any{"a", "b"}}, nil},
		{"map", storedDoc{"meta": map[string]any{"k": int64(1), "l": []any{true}}, "counts": map[string]any{"a": int64(2)}}, nil},
		{"nested struct", storedDoc{"item": item}, nil},
		{"nested struct keeps unstored fields", storedDoc{"item": map[string]any{"name": "b"}}, func() any { return &planDoc{Item: planItem{Size: 9}} }},
		{"struct list", storedDoc{"items": []any{item, map[string]any{"name": "c"}}}, nil},
		{"struct list reuses elements", storedDoc{"items": []any{map[string]any{"name": "c"}}},
			func() any { return &planDoc{Items: make([]planItem, 2, 4)} }},
		{"struct list grows within capacity", storedDoc{"items": []any{item, item, item}},
			func() any { return &planDoc{Items: append(make([]planItem, 0, 4), planItem{Size: 1})} }},
		{"struct list null", storedDoc{"items": nil}, func() any { return &planDoc{Items: []planItem{{}}} }},
		{"pointer", storedDoc{"ptr": item}, nil},
		{"any", storedDoc{"any": int64(5)}, nil},
		{"any null", storedDoc{"any": nil}, func() any { return &planDoc{Any: "was"} }},
		{"any holding a pointer", storedDoc{"any": item}, func() any { return &planDoc{Any: &planItem{Size: 1}} }},
		{"revision", storedDoc{"DocstoreRevision": int64(42)}, nil},
		{"named string", storedDoc{"color": "red"}, nil},
		{"text unmarshaler", storedDoc{"text": "hi"}, nil},
		{"escaped string", storedDoc{"title": "say \"hi\"\n\u2028"}, nil},
		{"invalid UTF-8 string", storedDoc{"title": "\xff"}, nil},
		{"escaped map key", storedDoc{"meta": map[string]any{"$k": int64(1), "\xff": "x"}}, nil},
		{"wrong type", storedDoc{"done": "yes"}, nil},
		{"unknown escaped field", storedDoc{"$nope": int64(1)}, nil},
		{"string from null", storedDoc{"title": nil}, nil},
		{"unknown field", storedDoc{"nope": int64(1)}, nil},
		{"skipped field", storedDoc{"Skip": "s"}, nil},
		{"unexported field", storedDoc{"hidden": "h"}, nil},
		{"embedded", storedDoc{"id": "e", "name": "n"}, func() any { return &planEmbedded{} }},
		{"bad tag", storedDoc{"id": "e"}, func() any { return &planBadTag{} }},
		{"map document", storedDoc{"a": int64(1), "b": []any{"x"}}, func() any { return map[string]any{"a": "old", "c": true} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := tt.start
			if start == nil {
				start = func() any { return &planDoc{} }
			}
			// decodeWith decodes through the stored map (decodeDoc) or
			// from the wire form (decodeStored).
			decodeWith := func(plans *structPlans, fromWire bool) (any, error) {
				dst := start()
				doc, err := driver.NewDocument(dst)
				if err != nil {
					return dst, err
				}
				b := mustWire(t, tt.stored)
				if fromWire {
					return dst, decodeStored(plans, "t", string(b), doc, nil)
				}
				stored, err := parseDoc("t", string(b))
				if err != nil {
					t.Fatal(err)
				}
				return dst, decodeDoc(plans, stored, doc, nil)
			}
			want, wantErr := decodeWith(nil, false)
			for _, fromWire := range []bool{false, true} {
				got, gotErr := decodeWith(&structPlans{}, fromWire)
				if (gotErr != nil) != (wantErr != nil) {
					t.Fatalf("from wire %v: error %v, gocloud's %v", fromWire, gotErr, wantErr)
				}
				if gotErr != nil {
					if gotErr.Error() != wantErr.Error() {
						t.Errorf("from wire %v: error %q, gocloud's %q", fromWire, gotErr, wantErr)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("from wire %v: decoded\n%#v\ngocloud's\n%#v", fromWire, got, want)
				}
			}
		})
	}
}

func mustWire(t *testing.T, m storedDoc) []byte {
	t.Helper()
	b, err := marshalWire(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStructPlanFallsBack checks which types get a plan: the others are
// decoded by gocloud.
func TestStructPlanFallsBack(t *testing.T) {
	tests := []struct {
		typ  reflect.Type
		plan bool
	}{
		{reflect.TypeFor[planDoc](), true},
		{reflect.TypeFor[planItem](), true},
		{reflect.TypeFor[planEmbedded](), false},
		{reflect.TypeFor[planBadTag](), false},
		{reflect.TypeFor[planText](), false},
		{reflect.TypeFor[struct {
			A string `docstore:"x"`
			B string `docstore:"x"`
		}](), false},
	}
	var p structPlans
	for _, tt := range tests {
		if got := p.plan(tt.typ) != nil; got != tt.plan {
			t.Errorf("%v: plan %v, want %v", tt.typ, got, tt.plan)
		}
	}
}
