package sqlitedocstore

import (
	"testing"
	"time"

	"gocloud.dev/docstore/driver"
)

// benchStoredTodo is a to-do as examples/todo stores it.
type benchStoredTodo struct {
	ID          string     `docstore:"id"`
	Owner       string     `docstore:"owner"`
	Title       string     `docstore:"title"`
	Notes       string     `docstore:"notes"`
	Due         string     `docstore:"due"`
	Done        bool       `docstore:"done"`
	Deleted     bool       `docstore:"deleted"`
	CreatedAt   time.Time  `docstore:"created_at"`
	UpdatedAt   time.Time  `docstore:"updated_at"`
	CompletedAt time.Time  `docstore:"completed_at"`
	DeletedAt   time.Time  `docstore:"deleted_at"`
	Attachments []planItem `docstore:"attachments"`
	ListOwner   string     `docstore:"list_owner,omitempty"`
	ListStatus  string     `docstore:"list_status,omitempty"`
	ListOrder   string     `docstore:"list_order"`

	DocstoreRevision any
}

// BenchmarkDecodeStruct decodes one stored to-do into a struct, side by
// side: parsed into a map and decoded by gocloud's decoder, as before the
// struct plans, and straight from the wire form through its plan.
func BenchmarkDecodeStruct(b *testing.B) {
	at := time.Date(2026, 12, 4, 15, 40, 39, 123, time.UTC)
	src := &benchStoredTodo{ID: "0123456789abcdef0123", Owner: "user-1", Title: "buy milk", CreatedAt: at, UpdatedAt: at,
		Attachments: []planItem{}, ListOwner: "user-1", ListStatus: "open:user-1", ListOrder: "2026-12-04T15:40:39.000000123Z/0123456789abcdef0123",
		DocstoreRevision: int64(12345)}
	sdoc, err := driver.NewDocument(src)
	if err != nil {
		b.Fatal(err)
	}
	m, err := encodeDoc(sdoc)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := marshalWire(m)
	if err != nil {
		b.Fatal(err)
	}
	decode := func(plans *structPlans) {
		var dst benchStoredTodo
		doc, err := driver.NewDocument(&dst)
		if err != nil {
			b.Fatal(err)
		}
		if err := decodeStored(plans, "todos", string(raw), doc, nil); err != nil || dst.ListOrder != src.ListOrder {
			b.Fatal(err, dst)
		}
	}
	plans := &structPlans{}
	b.ReportAllocs()
	interleaved(b, "gocloud", "plan", func() { decode(nil) }, func() { decode(plans) })
}
