package todo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/auth"
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
	api.HandleFunc("/api/", noRoute)

	mux := http.NewServeMux()
	aud := ""
	if len(cfg.Audience) > 0 {
		aud = cfg.Audience[0]
	}
	if clientID == "" {
		clientID = aud
	}
	mux.HandleFunc("GET /api/auth/config", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteJSON(w, http.StatusOK, map[string]string{"issuer": cfg.Issuer, "client_id": clientID, "audience": aud})
	})
	mux.HandleFunc("GET /api/healthz", func(w http.ResponseWriter, r *http.Request) {
		sdk.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	if v != nil {
		mux.Handle("/api/", v.Middleware(api))
	}
	mux.HandleFunc("/api", noRoute)
	mux.Handle("/", frontEnd)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux answers a path with empty, "." or ".." segments with a
		// redirect to its clean form; the API refuses it in JSON instead,
		// before the token check, so no redirect is ever followed to data.
		if p := r.URL.Path; isAPI(path.Clean(p)) && !clean(p) {
			fail(w, r, sdk.FieldError("path", "the path %q has empty, '.' or '..' segments", p))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func isAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// clean reports whether p is in the form ServeMux serves without a
// redirect: no empty, "." or ".." segments (a trailing slash is kept).
func clean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

func noRoute(w http.ResponseWriter, r *http.Request) {
	fail(w, r, sdk.Errorf(sdk.CodeNotFound, "no API route %s %s", r.Method, r.URL.Path))
}

// fail writes err as the API's JSON error: the status of its code (413 for
// a body over its limit), and no internal detail (see sdk.WriteErrorContext).
func fail(w http.ResponseWriter, r *http.Request, err error) {
	var tl *tooLargeError
	if errors.As(err, &tl) {
		sdk.WriteJSON(w, http.StatusRequestEntityTooLarge, sdk.ErrorBody{Error: sdk.ErrorDetail{
			Code: sdk.CodeInvalidInput.String(), Field: "body", Message: tl.Error(),
		}})
		return
	}
	sdk.WriteErrorContext(r.Context(), w, err)
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

// cursor encodes the position after the last item of a page: that item's
// creation time and ID, which make its list order key.
type cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

func (s *service) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	view := q.Get("status")
	if view == "" {
		view = "all"
	}
	if view != "all" && view != "open" && view != "done" {
		fail(w, r, sdk.FieldError("status", "status must be all, open or done"))
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(w, r, sdk.FieldError("limit", "limit must be an integer from 1 to 100"))
			return
		}
		limit = n
	}
	after := ""
	if v := q.Get("cursor"); v != "" {
		var c cursor
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || json.Unmarshal(raw, &c) != nil || !validID(c.ID) {
			fail(w, r, sdk.FieldError("cursor", "cursor is not one this API returned"))
			return
		}
		after = orderKey(c.CreatedAt, c.ID)
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	items, more, err := listPage(r.Context(), coll, user(r), view, after, limit)
	if err != nil {
		fail(w, r, err)
		return
	}
	next := ""
	if more {
		last := items[len(items)-1]
		b, _ := json.Marshal(cursor{CreatedAt: last.CreatedAt, ID: last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	writeList(w, items, next)
}

type createRequest struct {
	Title string `json:"title"`
	Notes string `json:"notes"`
	Due   string `json:"due"`
}

func (s *service) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	now := s.clock()
	t := &Todo{ID: newID(), Owner: user(r), Title: req.Title, Notes: req.Notes, Due: req.Due, CreatedAt: now, UpdatedAt: now, Attachments: []Attachment{}}
	if err := t.validate(); err != nil {
		fail(w, r, err)
		return
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := createTodo(r.Context(), coll, t); err != nil {
		fail(w, r, err)
		return
	}
	s.publish(r.Context(), EventCreated, t)
	w.Header().Set("Location", "/api/todos/"+t.ID)
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	writeTodo(w, http.StatusCreated, t)
}

func (s *service) get(w http.ResponseWriter, r *http.Request) {
	t, err := s.ownedTodo(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	writeTodo(w, http.StatusOK, t)
}

// ownedTodo loads the signed-in user's to-do named by the path.
func (s *service) ownedTodo(r *http.Request) (*Todo, error) {
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		return nil, err
	}
	return getOwned(r.Context(), coll, user(r), r.PathValue("id"))
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
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	t, err := getOwned(r.Context(), coll, user(r), r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && im != "*" {
		if rev, err := strconv.Unquote(im); (err != nil && im != t.Revision) || (err == nil && rev != t.Revision) {
			fail(w, r, &sdk.Error{Code: sdk.CodeFailedPrecondition, Field: "If-Match", Message: "the to-do changed since you read it; reload and try again"})
			return
		}
	}
	if req.Revision != nil && *req.Revision != t.Revision {
		fail(w, r, &sdk.Error{Code: sdk.CodeConflict, Field: "revision", Message: "the to-do changed since you read it; reload and try again"})
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
		fail(w, r, err)
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
	if err := replaceTodo(r.Context(), coll, t); err != nil {
		fail(w, r, err)
		return
	}
	if t.Done && !wasDone {
		s.publish(r.Context(), EventCompleted, t)
	}
	w.Header().Set("ETag", strconv.Quote(t.Revision))
	writeTodo(w, http.StatusOK, t)
}

// delete marks the to-do deleted (the purge schedule removes it for good
// after 30 days) and deletes its attachments.
func (s *service) delete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	coll, err := s.todos.Open(ctx)
	if err != nil {
		fail(w, r, err)
		return
	}
	t, err := getOwned(ctx, coll, user(r), r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	now := s.clock()
	t.Deleted, t.DeletedAt, t.UpdatedAt = true, now, now
	if err := replaceTodo(ctx, coll, t); err != nil {
		fail(w, r, err)
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
