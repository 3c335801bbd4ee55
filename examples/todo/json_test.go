package todo

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// sameJSON reports whether the hand-written encoding of t decodes to the
// same value as encoding/json's; the bytes may differ only in escaping
// (encoding/json escapes <, > and & for HTML, jsontext does not).
func sameJSON(t *testing.T, td *Todo) {
	t.Helper()
	want, err := json.Marshal(td)
	if err != nil {
		t.Skipf("encoding/json refuses %+v: %v", td, err) // only times outside years 0-9999, which the store never holds
	}
	got := appendTodo(nil, td)
	if !json.Valid(got) {
		t.Fatalf("appendTodo wrote invalid JSON: %s", got)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("appendTodo:\n %s\nencoding/json:\n %s", got, want)
	}
}

// TestTodoJSONMatchesTags: the hand-written encoder writes what
// encoding/json writes from Todo's json tags, for the shapes the API
// returns: fresh, completed, with attachments, hostile text.
func TestTodoJSONMatchesTags(t *testing.T) {
	at := time.Date(2026, 12, 5, 7, 30, 1, 123456789, time.UTC)
	tests := []struct {
		name string
		todo Todo
	}{
		{"fresh", Todo{ID: "0e347f70c7355ce47e63", Owner: "alice", Title: "Buy milk", CreatedAt: at, UpdatedAt: at, Attachments: []Attachment{}, Revision: "1"}},
		{"nil attachments", Todo{ID: "a", Title: "t"}},
		{"completed", Todo{ID: "b", Title: "t", Done: true, Due: "2026-12-24", Notes: "n", CreatedAt: at, UpdatedAt: at.Add(time.Hour), CompletedAt: at.Add(2 * time.Hour), Attachments: []Attachment{}}},
		{"zoned time", Todo{ID: "c", CreatedAt: at.In(time.FixedZone("x", -5*3600)), UpdatedAt: at.Truncate(time.Second)}},
		{"attachments", Todo{ID: "d", Title: "t", Attachments: []Attachment{
			{Name: "a.png", Size: 12345, ContentType: "image/png", UploadedAt: at},
			{Name: `q"uote\.txt`, Size: 0, ContentType: "text/plain; charset=utf-8"},
		}}},
		{"hostile text", Todo{ID: "e", Title: "<script>alert(1)</script>&\u2028\u2029\x00\x1f\t\"\\", Notes: "bad \xff utf-8 \xed\xa0\x80", Due: "\u202e"}},
		{"hidden fields", Todo{ID: "f", Owner: "bob", Deleted: true, DeletedAt: at, ListOwner: "bob", ListStatus: "open:bob", ListOrder: "k", PurgeBucket: "deleted", PurgeAt: "p", DocstoreRevision: int64(3), Revision: "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { sameJSON(t, &tt.todo) })
	}
}

// TestWriteList: a page is {"items":[...],"next_cursor":"..."}, with []
// (not null) for no items, and every item as appendTodo writes it.
func TestWriteList(t *testing.T) {
	at := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	items := []*Todo{
		{ID: "a", Title: "one", CreatedAt: at, UpdatedAt: at, Attachments: []Attachment{}},
		{ID: "b", Title: "two", CreatedAt: at, UpdatedAt: at, Attachments: []Attachment{}},
	}
	for _, tc := range []struct {
		items []*Todo
		next  string
	}{{nil, ""}, {items, "Y3Vyc29y"}} {
		rec := httptest.NewRecorder()
		writeList(rec, tc.items, tc.next)
		want := tc.items
		if want == nil {
			want = []*Todo{}
		}
		wantJSON, _ := json.Marshal(map[string]any{"items": want, "next_cursor": tc.next})
		var g, w any
		if err := json.Unmarshal(rec.Body.Bytes(), &g); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		json.Unmarshal(wantJSON, &w)
		if !reflect.DeepEqual(g, w) || rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("got %d %s; want %s", rec.Code, rec.Body, wantJSON)
		}
	}
}

// FuzzTodoJSON: for any text and times, the hand-written encoder and
// encoding/json agree.
func FuzzTodoJSON(f *testing.F) {
	f.Add("Buy milk", "", "2026-12-01", "a.png", "image/png", int64(1764892800), int64(123456789), int64(42), true)
	f.Add("<b>&amp;</b>", "\xff\xfe", "\u2028", `"\`, "", int64(-62135596800), int64(0), int64(-1), false)
	f.Fuzz(func(t *testing.T, title, notes, due, name, ctype string, sec, nsec, size int64, done bool) {
		at := time.Unix(sec, nsec).UTC()
		td := &Todo{ID: "x", Title: title, Notes: notes, Due: due, Done: done, CreatedAt: at, UpdatedAt: at, Revision: notes,
			Attachments: []Attachment{{Name: name, Size: size, ContentType: ctype, UploadedAt: at}}}
		if done {
			td.CompletedAt = at
		}
		sameJSON(t, td)
	})
}
