package todo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
)

// Todo is one to-do item as stored and as returned by the API.
//
// The index fields (ListOwner, ListStatus, ListOrder, PurgeBucket, PurgeAt)
// are derived from the others by setKeys before every write. They are
// strings on every backend, and the partition fields are set only on the
// to-dos their index should list, so each index is sparse: the list
// indexes hold live to-dos only, the purge index deleted ones only.
type Todo struct {
	ID          string       `docstore:"id" json:"id"`
	Owner       string       `docstore:"owner" json:"-"`
	Title       string       `docstore:"title" json:"title"`
	Notes       string       `docstore:"notes" json:"notes"`
	Due         string       `docstore:"due" json:"due"`
	Done        bool         `docstore:"done" json:"done"`
	Deleted     bool         `docstore:"deleted" json:"-"`
	CreatedAt   time.Time    `docstore:"created_at" json:"created_at"`
	UpdatedAt   time.Time    `docstore:"updated_at" json:"updated_at"`
	CompletedAt time.Time    `docstore:"completed_at" json:"completed_at,omitzero"`
	DeletedAt   time.Time    `docstore:"deleted_at" json:"-"`
	Attachments []Attachment `docstore:"attachments" json:"attachments"`
	Revision    string       `docstore:"-" json:"revision"`

	ListOwner   string `docstore:"list_owner,omitempty" json:"-"`   // Owner, while live
	ListStatus  string `docstore:"list_status,omitempty" json:"-"`  // "open:"+Owner or "done:"+Owner, while live
	ListOrder   string `docstore:"list_order" json:"-"`             // orderKey(CreatedAt, ID): newest first is descending
	PurgeBucket string `docstore:"purge_bucket,omitempty" json:"-"` // purgeBucket, once deleted
	PurgeAt     string `docstore:"purge_at,omitempty" json:"-"`     // timeKey(DeletedAt), once deleted

	DocstoreRevision any `json:"-"`
}

// The to-do collection's indexes: one per list view (all, and by status),
// and the purge's. Every query names one index's Partition with "=" and
// filters by range and orders only on its Sort.
var todoIndexes = []sdk.Index{
	{Partition: "list_owner", Sort: "list_order"},
	{Partition: "list_status", Sort: "list_order"},
	{Partition: "purge_bucket", Sort: "purge_at"},
}

// purgeBucket is the one value of PurgeBucket: the purge index is a single
// partition, ordered by deletion time.
const purgeBucket = "deleted"

// Attachment describes a file attached to a to-do.
type Attachment struct {
	Name        string    `docstore:"name" json:"name"`
	Size        int64     `docstore:"size" json:"size"`
	ContentType string    `docstore:"content_type" json:"content_type"`
	UploadedAt  time.Time `docstore:"uploaded_at" json:"uploaded_at"`
}

// Event is published on the events topic when a to-do is created,
// completed or deleted.
type Event struct {
	ID     string    `json:"id"` // unique per event, for de-duplication
	Type   string    `json:"type"`
	User   string    `json:"user"`
	TodoID string    `json:"todo_id"`
	At     time.Time `json:"at"`
}

// Event types.
const (
	EventCreated   = "todo.created"
	EventCompleted = "todo.completed"
	EventDeleted   = "todo.deleted"
)

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validID(id string) bool {
	if len(id) != 20 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// timeKey renders t (in UTC) at a fixed width, so that the strings sort
// as the times do: 2026-12-04T15:40:39.000000000Z.
func timeKey(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

// orderKey is the list order of a to-do created at created with id: unique,
// and later to-dos sort after earlier ones (ties broken by id).
func orderKey(created time.Time, id string) string { return timeKey(created) + "/" + id }

// orderKeyEnd sorts after every order key (they start with a digit).
const orderKeyEnd = "~"

// statusKey is the ListStatus partition of owner's open or done to-dos.
func statusKey(done bool, owner string) string {
	if done {
		return "done:" + owner
	}
	return "open:" + owner
}

// setKeys derives the index fields from the others.
func (t *Todo) setKeys() {
	t.ListOrder = orderKey(t.CreatedAt, t.ID)
	t.ListOwner, t.ListStatus, t.PurgeBucket, t.PurgeAt = "", "", "", ""
	if t.Deleted {
		t.PurgeBucket, t.PurgeAt = purgeBucket, timeKey(t.DeletedAt)
		return
	}
	t.ListOwner, t.ListStatus = t.Owner, statusKey(t.Done, t.Owner)
}

// revisionString renders a store revision as the opaque string clients
// send back; it is only ever compared, never parsed.
func revisionString(rev any) string {
	switch r := rev.(type) {
	case nil:
		return ""
	case int64: // the local store's and DynamoDB's
		return strconv.FormatInt(r, 10)
	case string:
		return r
	}
	return fmt.Sprint(rev)
}

var errTodoNotFound = sdk.Errorf(sdk.CodeNotFound, "to-do not found")

// getOwned loads a live to-do owned by user; anything else is NotFound.
func getOwned(ctx context.Context, coll *docstore.Collection, user, id string) (*Todo, error) {
	if !validID(id) {
		return nil, errTodoNotFound
	}
	t := &Todo{ID: id}
	if err := coll.Get(ctx, t); err != nil {
		if sdk.CodeOf(err) == sdk.CodeNotFound {
			return nil, errTodoNotFound
		}
		return nil, fmt.Errorf("todo: get %s: %w", id, err)
	}
	if t.Owner != user || t.Deleted {
		return nil, errTodoNotFound
	}
	t.normalize()
	return t, nil
}

// create stores a new to-do.
func createTodo(ctx context.Context, coll *docstore.Collection, t *Todo) error {
	t.setKeys()
	if err := coll.Create(ctx, t); err != nil {
		return fmt.Errorf("todo: create: %w", err)
	}
	t.normalize()
	return nil
}

// replaceTodo writes t back, conditional on the revision it was read at:
// a concurrent change makes it fail with CodeConflict.
func replaceTodo(ctx context.Context, coll *docstore.Collection, t *Todo) error {
	t.setKeys()
	if err := coll.Replace(ctx, t); err != nil {
		if c := sdk.CodeOf(err); c == sdk.CodeConflict || c == sdk.CodeNotFound {
			return &sdk.Error{Code: sdk.CodeConflict, Field: "revision", Message: "the to-do changed while you were saving; reload and try again", Err: err}
		}
		return fmt.Errorf("todo: replace %s: %w", t.ID, err)
	}
	t.normalize()
	return nil
}

// queryTodos runs q, which should have a Limit, and returns what it finds;
// what is the query's purpose for error messages ("list", "purge").
func queryTodos(ctx context.Context, q *docstore.Query, what string) ([]*Todo, error) {
	iter := q.Get(ctx)
	defer iter.Stop()
	var out []*Todo
	for {
		t := &Todo{}
		err := iter.Next(ctx, t)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			// Nothing in a query comes from the client: only an
			// unavailable store is not a bug.
			code := sdk.CodeInternal
			if sdk.CodeOf(err) == sdk.CodeUnavailable {
				code = sdk.CodeUnavailable
			}
			return nil, sdk.Wrap(code, fmt.Errorf("todo: %s: %w", what, err))
		}
		t.normalize()
		out = append(out, t)
	}
}

// listPage returns up to limit of user's live to-dos in view ("all",
// "open" or "done"), newest first, starting after the list order key
// after ("" for the first page), and whether more follow. It reads
// limit+1 documents through the view's index.
func listPage(ctx context.Context, coll *docstore.Collection, user, view, after string, limit int) ([]*Todo, bool, error) {
	q := coll.Query()
	switch view {
	case "all":
		q = q.Where("list_owner", "=", user)
	default:
		q = q.Where("list_status", "=", statusKey(view == "done", user))
	}
	if after == "" {
		after = orderKeyEnd // ordering needs a filter; some stores refuse empty strings in key conditions
	}
	q = q.Where("list_order", "<", after)
	items, err := queryTodos(ctx, q.OrderBy("list_order", docstore.Descending).Limit(limit+1), "list")
	if err != nil {
		return nil, false, err
	}
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// normalize fills the API-only fields after a read or write.
func (t *Todo) normalize() {
	t.Revision = revisionString(t.DocstoreRevision)
	if t.Attachments == nil {
		t.Attachments = []Attachment{}
	}
}
