package todo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/auth"
	"gocloud.dev/gcerrors"
)

type service struct {
	todos       *sdk.Collection
	stats       *sdk.Collection
	attachments *sdk.Bucket
	events      *sdk.Topic
	now         func() time.Time
}

func (s *service) clock() time.Time {
	if s.now != nil {
		return s.now().UTC()
	}
	return time.Now().UTC()
}

// routes returns the app's HTTP handler: the API under /api/ (signed-in
// users only, except the auth config and health check) and the front end
// everywhere else.
func (s *service) routes(v *auth.Verifier, cfg auth.Config, clientID string, frontEnd http.Handler) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/me", s.me)
	api.HandleFunc("GET /api/todos", s.list)
	api.HandleFunc("POST /api/todos", s.create)
	api.HandleFunc("GET /api/todos/{id}", s.get)
	api.HandleFunc("PATCH /api/todos/{id}", s.update)
	api.HandleFunc("DELETE /api/todos/{id}", s.delete)
	api.HandleFunc("GET /api/todos/{id}/attachments", s.listAttachments)
	api.HandleFunc("PUT /api/todos/{id}/attachments/{name}", s.putAttachment)
	api.HandleFunc("GET /api/todos/{id}/attachments/{name}", s.getAttachment)
	api.HandleFunc("DELETE /api/todos/{id}/attachments/{name}", s.deleteAttachment)
	api.HandleFunc("GET /api/stats", s.getStats)
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "no API route %s %s", r.Method, r.URL.Path))
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/auth/config", func(w http.ResponseWriter, r *http.Request) {
		aud := ""
		if len(cfg.Audience) > 0 {
			aud = cfg.Audience[0]
		}
		if clientID == "" {
			clientID = aud
		}
		sdk.WriteJSON(w, http.StatusOK, map[string]string{"issuer": cfg.Issuer, "client_id": clientID, "audience": aud})
	})
	mux.HandleFunc("GET /api/healthz", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	if v != nil {
		mux.Handle("/api/", v.Middleware(api))
	}
	mux.Handle("/", frontEnd)
	return mux
}

// user returns the signed-in user's ID; the middleware guarantees one.
func user(r *http.Request) string {
	id, _ := sdk.UserID(r.Context())
	return id
}

func (s *service) me(w http.ResponseWriter, r *http.Request) {
	u := sdk.UserFrom(r.Context())
	sdk.WriteJSON(w, http.StatusOK, map[string]string{"id": u.ID, "name": u.Name, "email": u.Email})
}

// decodeJSON reads a small JSON object strictly, naming the bad field.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return sdk.FieldError("Content-Type", "send application/json, not %q", ct)
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return sdk.FieldError(te.Field, "%s must be a %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return sdk.FieldError(f, "unknown field %q", f)
		case errors.Is(err, io.EOF):
			return sdk.FieldError("body", "request body is empty")
		}
		return sdk.FieldError("body", "request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return sdk.FieldError("body", "request body has data after the JSON object")
	}
	return nil
}

// cursor encodes the position after the last item of a page.
type cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

func (s *service) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = "all"
	}
	if status != "all" && status != "open" && status != "done" {
		sdk.WriteError(w, sdk.FieldError("status", "status must be all, open or done"))
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			sdk.WriteError(w, sdk.FieldError("limit", "limit must be an integer from 1 to 100"))
			return
		}
		limit = n
	}
	var after *cursor
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		after = &cursor{}
		if err != nil || json.Unmarshal(raw, after) != nil || after.ID == "" {
			sdk.WriteError(w, sdk.FieldError("cursor", "cursor is not one this API returned"))
			return
		}
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	all, err := listOwned(r.Context(), coll, user(r))
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	items := []*Todo{}
	next := ""
	for _, t := range all {
		if (status == "open" && t.Done) || (status == "done" && !t.Done) {
			continue
		}
		if after != nil && (t.CreatedAt.After(after.CreatedAt) || (t.CreatedAt.Equal(after.CreatedAt) && t.ID >= after.ID)) {
			continue
		}
		if len(items) == limit {
			last := items[len(items)-1]
			b, _ := json.Marshal(cursor{CreatedAt: last.CreatedAt, ID: last.ID})
			next = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		items = append(items, t)
	}
	sdk.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

type createRequest struct {
	Title string `json:"title"`
	Notes string `json:"notes"`
	Due   string `json:"due"`
}

func (s *service) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeJSON(r, &req); err != nil {
		sdk.WriteError(w, err)
		return
	}
	now := s.clock()
	t := &Todo{ID: newID(), Owner: user(r), Title: req.Title, Notes: req.Notes, Due: req.Due, CreatedAt: now, UpdatedAt: now, Attachments: []Attachment{}}
	if err := t.validate(); err != nil {
		sdk.WriteError(w, err)
		return
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	if err := coll.Create(r.Context(), t); err != nil {
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: create: %w", err)))
		return
	}
	t.Revision = revisionString(t.DocstoreRevision)
	s.publish(r.Context(), EventCreated, t)
	w.Header().Set("Location", "/api/todos/"+t.ID)
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	sdk.WriteJSON(w, http.StatusCreated, t)
}

func (s *service) get(w http.ResponseWriter, r *http.Request) {
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	t, err := getOwned(r.Context(), coll, user(r), r.PathValue("id"))
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	sdk.WriteJSON(w, http.StatusOK, t)
}

type updateRequest struct {
	Title    *string `json:"title"`
	Notes    *string `json:"notes"`
	Due      *string `json:"due"`
	Done     *bool   `json:"done"`
	Revision *string `json:"revision"`
}

// update applies a partial update with optimistic concurrency: a revision
// in the body that is not current gets 409, a stale If-Match gets 412, and a
// write racing another one fails the store's revision check (409) rather
// than overwriting it.
func (s *service) update(w http.ResponseWriter, r *http.Request) {
	var req updateRequest
	if err := decodeJSON(r, &req); err != nil {
		sdk.WriteError(w, err)
		return
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	t, err := getOwned(r.Context(), coll, user(r), r.PathValue("id"))
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && im != "*" {
		if rev, err := strconv.Unquote(im); (err != nil && im != t.Revision) || (err == nil && rev != t.Revision) {
			sdk.WriteError(w, &sdk.Error{Code: sdk.CodeFailedPrecondition, Field: "If-Match", Message: "the to-do changed since you read it; reload and try again"})
			return
		}
	}
	if req.Revision != nil && *req.Revision != t.Revision {
		sdk.WriteError(w, &sdk.Error{Code: sdk.CodeConflict, Field: "revision", Message: "the to-do changed since you read it; reload and try again"})
		return
	}
	wasDone := t.Done
	if req.Title != nil {
		t.Title = *req.Title
	}
	if req.Notes != nil {
		t.Notes = *req.Notes
	}
	if req.Due != nil {
		t.Due = *req.Due
	}
	if req.Done != nil {
		t.Done = *req.Done
	}
	if err := t.validate(); err != nil {
		sdk.WriteError(w, err)
		return
	}
	now := s.clock()
	t.UpdatedAt = now
	switch {
	case t.Done && !wasDone:
		t.CompletedAt = now
	case !t.Done:
		t.CompletedAt = time.Time{}
	}
	if err := coll.Replace(r.Context(), t); err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition || gcerrors.Code(err) == gcerrors.NotFound {
			sdk.WriteError(w, &sdk.Error{Code: sdk.CodeConflict, Field: "revision", Message: "the to-do changed while you were saving; reload and try again"})
			return
		}
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: update: %w", err)))
		return
	}
	t.Revision = revisionString(t.DocstoreRevision)
	if t.Done && !wasDone {
		s.publish(r.Context(), EventCompleted, t)
	}
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	sdk.WriteJSON(w, http.StatusOK, t)
}

// delete marks the to-do deleted (the purge schedule removes it for good
// after 30 days) and deletes its attachments.
func (s *service) delete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	coll, err := s.todos.Open(ctx)
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	t, err := getOwned(ctx, coll, user(r), r.PathValue("id"))
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	now := s.clock()
	t.Deleted, t.DeletedAt, t.UpdatedAt = true, now, now
	if err := coll.Replace(ctx, t); err != nil {
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeConflict, "the to-do changed while deleting it; try again"))
			return
		}
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: delete: %w", err)))
		return
	}
	if err := s.deleteAllAttachments(ctx, t); err != nil {
		sdk.Logger(ctx).Error("deleting attachments of a deleted to-do; the purge will retry", "todo", t.ID, "error", err)
	}
	s.publish(ctx, EventDeleted, t)
	w.WriteHeader(http.StatusNoContent)
}

// publish sends an event; a failure is logged, not returned, because the
// write it reports has already been made.
func (s *service) publish(ctx context.Context, typ string, t *Todo) {
	ev := Event{ID: newID(), Type: typ, User: t.Owner, TodoID: t.ID, At: s.clock()}
	if err := sendEvent(ctx, s.events, ev); err != nil {
		sdk.Logger(ctx).Error("publishing event", "type", typ, "todo", t.ID, "error", err)
	}
}
