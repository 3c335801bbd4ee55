package todo

import (
	"context"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
)

// quietSink drops the bucket's blob events: this test calls the purge alone.
type quietSink struct{}

func (quietSink) Publish(context.Context, string, []*sdk.Message) error { return nil }
func (quietSink) BlobChanged(context.Context, *sdk.BlobEvent) error     { return nil }

// TestPurge purges through the deleted-to-do index: more victims than a
// batch, their attachments with them, and nothing live or deleted recently.
func TestPurge(t *testing.T) {
	ctx := t.Context()
	a := sdk.New("purgetest", nil)
	s := &service{
		todos:       a.Collection(TodosCollection, &sdk.CollectionOptions{KeyField: "id", Indexes: todoIndexes}),
		attachments: a.Bucket(AttachmentsBucket, nil),
	}
	provider.Bind(a, devbind.New(t.TempDir(), quietSink{}), func(string) (string, bool) { return "", false })
	t.Cleanup(func() { a.Close(context.Background()) })
	coll, err := s.todos.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := s.attachments.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	put := func(owner string, created time.Time, deletedAgo time.Duration) *Todo {
		td := &Todo{ID: newID(), Owner: owner, Title: "t", CreatedAt: created, UpdatedAt: created}
		if deletedAgo > 0 {
			td.Deleted, td.DeletedAt = true, tick.Add(-deletedAgo)
		}
		if err := createTodo(ctx, coll, td); err != nil {
			t.Fatal(err)
		}
		return td
	}
	var old, keep []*Todo
	for i := range purgeBatch*2 + 7 {
		old = append(old, put(fmt.Sprint("u", i%5), tick.Add(-90*24*time.Hour), PurgeAfter+time.Duration(i+1)*time.Minute))
	}
	keep = append(keep, put("u1", tick.Add(-90*24*time.Hour), 0), put("u2", tick, PurgeAfter-time.Hour))
	if err := bucket.WriteAll(ctx, AttachmentKey(old[0].Owner, old[0].ID, "left.txt"), []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.purge(ctx, &sdk.ScheduleEvent{Time: tick}); err != nil {
		t.Fatal(err)
	}
	for _, td := range old {
		if err := coll.Get(ctx, &Todo{ID: td.ID}); sdk.CodeOf(err) != sdk.CodeNotFound {
			t.Fatalf("to-do deleted %v before the tick: %v; want it purged", tick.Sub(td.DeletedAt), err)
		}
	}
	for _, td := range keep {
		if err := coll.Get(ctx, &Todo{ID: td.ID}); err != nil {
			t.Errorf("to-do (deleted %v) purged: %v", td.Deleted, err)
		}
	}
	if ok, err := bucket.Exists(ctx, AttachmentKey(old[0].Owner, old[0].ID, "left.txt")); err != nil || ok {
		t.Errorf("a purged to-do's attachment remains (%v)", err)
	}
}
