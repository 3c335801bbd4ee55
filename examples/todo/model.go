package todo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

// Todo is one to-do item as stored and as returned by the API.
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

	DocstoreRevision any `json:"-"`
}

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

// revisionString renders a store revision as the opaque string clients
// send back; it is only ever compared, never parsed.
func revisionString(rev any) string {
	if rev == nil {
		return ""
	}
	return fmt.Sprint(rev)
}

// getOwned loads a live to-do owned by user; anything else is NotFound.
func getOwned(ctx context.Context, coll *docstore.Collection, user, id string) (*Todo, error) {
	if !validID(id) {
		return nil, sdk.Errorf(sdk.CodeNotFound, "to-do %q not found", id)
	}
	t := &Todo{ID: id}
	if err := coll.Get(ctx, t); err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, sdk.Errorf(sdk.CodeNotFound, "to-do %q not found", id)
		}
		return nil, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: get %s: %w", id, err))
	}
	if t.Owner != user || t.Deleted {
		return nil, sdk.Errorf(sdk.CodeNotFound, "to-do %q not found", id)
	}
	t.normalize()
	return t, nil
}

func validID(id string) bool {
	if len(id) != 20 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// queryTodos runs q and returns the to-dos keep accepts; what is the
// query's purpose for error messages ("list", "purge").
func queryTodos(ctx context.Context, q *docstore.Query, what string, keep func(*Todo) bool) ([]*Todo, error) {
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
			return nil, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: %s: %w", what, err))
		}
		if keep(t) {
			out = append(out, t)
		}
	}
}

// listOwned returns the user's live to-dos, newest first.
func listOwned(ctx context.Context, coll *docstore.Collection, user string) ([]*Todo, error) {
	out, err := queryTodos(ctx, coll.Query().Where("owner", "=", user), "list", func(t *Todo) bool { return !t.Deleted })
	if err != nil {
		return nil, err
	}
	for _, t := range out {
		t.normalize()
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// validate checks the user-editable fields.
func (t *Todo) validate() error {
	t.Title = strings.TrimSpace(t.Title)
	switch {
	case t.Title == "":
		return sdk.FieldError("title", "title is required")
	case len([]rune(t.Title)) > 200:
		return sdk.FieldError("title", "title must be at most 200 characters")
	case len([]rune(t.Notes)) > 2000:
		return sdk.FieldError("notes", "notes must be at most 2000 characters")
	}
	if t.Due != "" {
		if _, err := time.Parse(time.DateOnly, t.Due); err != nil {
			return sdk.FieldError("due", "due must be a date like 2026-12-31")
		}
	}
	return nil
}

// normalize fills the API-only fields after a read.
func (t *Todo) normalize() {
	t.Revision = revisionString(t.DocstoreRevision)
	if t.Attachments == nil {
		t.Attachments = []Attachment{}
	}
}
