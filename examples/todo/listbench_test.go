package todo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
)

// listStore is a to-do collection in the local store, seeded directly.
type listStore struct {
	s    *service
	coll *docstore.Collection
}

func newListStore(b *testing.B) *listStore {
	a := sdk.New("listbench", nil)
	s := &service{todos: a.Collection(TodosCollection, &sdk.CollectionOptions{KeyField: "id", Indexes: todoIndexes})}
	provider.Bind(a, devbind.New(b.TempDir(), quietSink{}), func(string) (string, bool) { return "", false })
	b.Cleanup(func() { a.Close(context.Background()) })
	coll, err := s.todos.Open(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	return &listStore{s: s, coll: coll}
}

// seed stores n to-dos of owner, created a second apart from start, in
// atomic batches, and returns them oldest first.
func (ls *listStore) seed(b *testing.B, owner string, n int, start time.Time) []*Todo {
	var out []*Todo
	for i := 0; i < n; i += 500 {
		al := ls.coll.Actions().AtomicWrites()
		for j := i; j < min(i+500, n); j++ {
			t := &Todo{ID: newID(), Owner: owner, Title: fmt.Sprint("t", j), CreatedAt: start.Add(time.Duration(j) * time.Second), Attachments: []Attachment{}}
			t.UpdatedAt = t.CreatedAt
			t.setKeys()
			al.Create(t)
			out = append(out, t)
		}
		if err := al.Do(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// benchList serves GET /api/todos?limit=20 (and cursor) for owner through
// the list handler, without the network or the token check.
func (ls *listStore) benchList(b *testing.B, owner, cur string) {
	url := "/api/todos?limit=20"
	if cur != "" {
		url += "&cursor=" + cur
	}
	ctx := sdk.WithUser(context.Background(), &sdk.User{ID: owner})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ls.s.list(rec, httptest.NewRequest("GET", url, nil).WithContext(ctx))
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

func cursorAfter(t *Todo) string {
	raw, _ := json.Marshal(cursor{CreatedAt: t.CreatedAt, ID: t.ID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// BenchmarkListPage: a page of 20 costs the same whoever else has data
// and however deep it is. Compare alone/page1 with others/page1 (a user
// with 20 to-dos beside 100,000 of 1,000 other users) and deep/page1
// with deep/page50 (a user with 10,000 to-dos).
func BenchmarkListPage(b *testing.B) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	alone := newListStore(b)
	alone.seed(b, "small", 20, start)
	crowded := newListStore(b)
	crowded.seed(b, "small", 20, start)
	for u := range 1000 {
		crowded.seed(b, fmt.Sprint("other", u), 100, start)
	}
	deep := crowded.seed(b, "deep", 10_000, start)
	// Newest first: page 50 starts after the 49*20th newest.
	page50 := cursorAfter(deep[len(deep)-49*20])
	b.Run("alone/page1", func(b *testing.B) { alone.benchList(b, "small", "") })
	b.Run("others/page1", func(b *testing.B) { crowded.benchList(b, "small", "") })
	b.Run("deep/page1", func(b *testing.B) { crowded.benchList(b, "deep", "") })
	b.Run("deep/page50", func(b *testing.B) { crowded.benchList(b, "deep", page50) })
}
