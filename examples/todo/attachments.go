package todo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// MaxAttachmentSize is the largest accepted upload.
const MaxAttachmentSize = 10 << 20

func attachmentKey(owner, todoID, name string) string { return owner + "/" + todoID + "/" + name }

func validName(name string) error {
	if name == "" || len(name) > 100 || strings.HasPrefix(name, ".") {
		return sdk.FieldError("name", "attachment name must be 1-100 characters and not start with '.'")
	}
	for _, r := range name {
		ok := r == '.' || r == '_' || r == '-' || r == ' ' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return sdk.FieldError("name", "attachment name may contain letters, digits, '.', '_', '-' and spaces only")
		}
	}
	return nil
}

// ownedTodo opens the collection and loads the signed-in user's to-do.
func (s *service) ownedTodo(r *http.Request) (*Todo, error) {
	coll, err := s.todos.Open(r.Context())
	if err != nil {
		return nil, err
	}
	return getOwned(r.Context(), coll, user(r), r.PathValue("id"))
}

func (s *service) listAttachments(w http.ResponseWriter, r *http.Request) {
	t, err := s.ownedTodo(r)
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	b, err := s.attachments.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	items := []Attachment{}
	prefix := attachmentKey(t.Owner, t.ID, "")
	iter := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := iter.Next(r.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, err))
			return
		}
		a := Attachment{Name: strings.TrimPrefix(obj.Key, prefix), Size: obj.Size, UploadedAt: obj.ModTime.UTC()}
		if attrs, err := b.Attributes(r.Context(), obj.Key); err == nil {
			a.ContentType = attrs.ContentType
		}
		items = append(items, a)
	}
	sdk.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *service) putAttachment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := validName(name); err != nil {
		sdk.WriteError(w, err)
		return
	}
	if r.ContentLength > MaxAttachmentSize {
		tooLarge(w)
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		sdk.WriteError(w, sdk.FieldError("Content-Type", "Content-Type %q is not a media type", ct))
		return
	}
	t, err := s.ownedTodo(r)
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	b, err := s.attachments.Open(r.Context())
	if err != nil {
		sdk.WriteError(w, err)
		return
	}
	// Read the whole (bounded) body first so that a too-large or broken
	// upload never leaves a partial object behind.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAttachmentSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge(w)
			return
		}
		sdk.WriteError(w, sdk.FieldError("body", "reading the upload: %v", err))
		return
	}
	if err := b.WriteAll(r.Context(), attachmentKey(t.Owner, t.ID, name), data, &blob.WriterOptions{ContentType: ct}); err != nil {
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: store attachment: %w", err)))
		return
	}
	w.Header().Set("Location", "/api/todos/"+t.ID+"/attachments/"+name)
	sdk.WriteJSON(w, http.StatusCreated, Attachment{Name: name, Size: int64(len(data)), ContentType: ct, UploadedAt: s.clock()})
}

func tooLarge(w http.ResponseWriter) {
	sdk.WriteJSON(w, http.StatusRequestEntityTooLarge, sdk.ErrorBody{Error: sdk.ErrorDetail{
		Code: sdk.CodeInvalidInput.String(), Field: "body", Message: fmt.Sprintf("attachments are limited to %d MiB", MaxAttachmentSize>>20),
	}})
}

// attachment resolves the request's attachment: a valid name on a to-do
// the user owns. On failure it has written the error and ok is false.
func (s *service) attachment(w http.ResponseWriter, r *http.Request) (b *blob.Bucket, name, key string, ok bool) {
	name = r.PathValue("name")
	if err := validName(name); err != nil {
		sdk.WriteError(w, err)
		return nil, "", "", false
	}
	t, err := s.ownedTodo(r)
	if err != nil {
		sdk.WriteError(w, err)
		return nil, "", "", false
	}
	if b, err = s.attachments.Open(r.Context()); err != nil {
		sdk.WriteError(w, err)
		return nil, "", "", false
	}
	return b, name, attachmentKey(t.Owner, t.ID, name), true
}

func (s *service) getAttachment(w http.ResponseWriter, r *http.Request) {
	b, name, key, ok := s.attachment(w, r)
	if !ok {
		return
	}
	rd, err := b.NewReader(r.Context(), key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "attachment %q not found", name))
			return
		}
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, err))
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", rd.ContentType())
	h.Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	io.Copy(w, rd)
}

func (s *service) deleteAttachment(w http.ResponseWriter, r *http.Request) {
	b, name, key, ok := s.attachment(w, r)
	if !ok {
		return
	}
	if err := b.Delete(r.Context(), key); err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "attachment %q not found", name))
			return
		}
		sdk.WriteError(w, sdk.Wrap(sdk.CodeUnavailable, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *service) deleteAllAttachments(ctx context.Context, t *Todo) error {
	b, err := s.attachments.Open(ctx)
	if err != nil {
		return err
	}
	iter := b.List(&blob.ListOptions{Prefix: attachmentKey(t.Owner, t.ID, "")})
	var errs []error
	for {
		obj, err := iter.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// eventContentType is the created object's content type: from the event,
// or, where notifications carry none (S3), from the object itself. An
// object already deleted again has none.
func (s *service) eventContentType(ctx context.Context, e *sdk.BlobEvent) (string, error) {
	if e.ContentType != "" {
		return e.ContentType, nil
	}
	b, err := s.attachments.Open(ctx)
	if err != nil {
		return "", err
	}
	attrs, err := b.Attributes(ctx, e.Key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", nil
	}
	if err != nil {
		return "", sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: attributes of %s: %w", e.Key, err))
	}
	return attrs.ContentType, nil
}

// recordAttachment keeps a to-do's attachment list in step with its
// bucket: created objects are added (or updated) with size and type,
// deleted ones removed. A conflicting write is retried by redelivery.
func (s *service) recordAttachment(ctx context.Context, e *sdk.BlobEvent) error {
	parts := strings.SplitN(e.Key, "/", 3)
	if len(parts) != 3 {
		sdk.Logger(ctx).Warn("ignoring an object outside the attachment layout", "key", e.Key)
		return nil
	}
	owner, id, name := parts[0], parts[1], parts[2]
	coll, err := s.todos.Open(ctx)
	if err != nil {
		return err
	}
	t, err := getOwned(ctx, coll, owner, id)
	if sdk.CodeOf(err) == sdk.CodeNotFound {
		return nil // the to-do is gone; nothing to record
	}
	if err != nil {
		return err
	}
	var kept []Attachment
	for _, a := range t.Attachments {
		if a.Name != name {
			kept = append(kept, a)
		}
	}
	if e.Kind == sdk.BlobCreated {
		ct, err := s.eventContentType(ctx, e)
		if err != nil {
			return err
		}
		kept = append(kept, Attachment{Name: name, Size: e.Size, ContentType: ct, UploadedAt: e.Time.UTC()})
	}
	if kept == nil {
		kept = []Attachment{}
	}
	t.Attachments = kept
	if err := coll.Replace(ctx, t); err != nil {
		return sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: record attachment %s: %w", e.Key, err))
	}
	return nil
}
