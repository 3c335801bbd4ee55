package todo

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/blob"
)

// MaxAttachmentSize is the largest accepted upload.
const MaxAttachmentSize = 10 << 20

// keyEncoding encodes the user ID and the attachment name in object keys:
// lower-case base32hex, so that no component can hold '/', be "." or "..",
// end in a suffix a store reserves (the local store's ".attrs"), or differ
// from another only in case (case-insensitive file systems).
var keyEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

func encodeKeyPart(s string) string { return strings.ToLower(keyEncoding.EncodeToString([]byte(s))) }

func decodeKeyPart(s string) (string, bool) {
	if s == "" || strings.ToLower(s) != s {
		return "", false
	}
	b, err := keyEncoding.DecodeString(strings.ToUpper(s))
	return string(b), err == nil
}

// AttachmentKey is the object key of attachment name of owner's to-do
// todoID: <owner>/<todoID>/<name>, owner and name encoded in lower-case
// base32hex (RFC 4648, no padding). Every owner's keys lie under their own
// prefix, whatever characters the owner ID holds.
func AttachmentKey(owner, todoID, name string) string {
	return attachmentPrefix(owner, todoID) + encodeKeyPart(name)
}

// attachmentPrefix is the prefix of every attachment key of a to-do.
func attachmentPrefix(owner, todoID string) string {
	return encodeKeyPart(owner) + "/" + todoID + "/"
}

// parseAttachmentKey splits a key made by AttachmentKey.
func parseAttachmentKey(key string) (owner, todoID, name string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || !validID(parts[1]) {
		return "", "", "", false
	}
	owner, ok1 := decodeKeyPart(parts[0])
	name, ok2 := decodeKeyPart(parts[2])
	return owner, parts[1], name, ok1 && ok2
}

func (s *service) listAttachments(w http.ResponseWriter, r *http.Request) {
	t, err := s.ownedTodo(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := s.attachments.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	items := []Attachment{}
	iter := b.List(&blob.ListOptions{Prefix: attachmentPrefix(t.Owner, t.ID)})
	for {
		obj, err := iter.Next(r.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(w, r, fmt.Errorf("todo: list attachments: %w", err))
			return
		}
		_, _, name, ok := parseAttachmentKey(obj.Key)
		if !ok {
			continue
		}
		a := Attachment{Name: name, Size: obj.Size, UploadedAt: obj.ModTime.UTC()}
		if attrs, err := b.Attributes(r.Context(), obj.Key); err == nil {
			a.ContentType = attrs.ContentType
		}
		items = append(items, a)
	}
	sdk.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// putAttachment streams the upload into the bucket. An upload over
// MaxAttachmentSize gets 413, and one that fails part way is aborted, so
// neither leaves an object behind (nor replaces an existing one).
func (s *service) putAttachment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := validName(name); err != nil {
		fail(w, r, err)
		return
	}
	tooLarge := &tooLargeError{limit: fmt.Sprintf("%d MiB, the attachment limit", MaxAttachmentSize>>20)}
	if r.ContentLength > MaxAttachmentSize {
		fail(w, r, tooLarge)
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		fail(w, r, sdk.FieldError("Content-Type", "Content-Type %q is not a media type", ct))
		return
	}
	t, err := s.ownedTodo(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := s.attachments.Open(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	// Cancelling the writer's context before Close aborts the write.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	bw, err := b.NewWriter(ctx, AttachmentKey(t.Owner, t.ID, name), &blob.WriterOptions{ContentType: ct})
	if err != nil {
		fail(w, r, fmt.Errorf("todo: store attachment: %w", err))
		return
	}
	n, err := io.Copy(bw, http.MaxBytesReader(w, r.Body, MaxAttachmentSize))
	if err != nil {
		cancel()
		bw.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(w, r, tooLarge)
			return
		}
		fail(w, r, sdk.FieldError("body", "the upload could not be read to its end"))
		return
	}
	if err := bw.Close(); err != nil {
		fail(w, r, fmt.Errorf("todo: store attachment: %w", err))
		return
	}
	w.Header().Set("Location", "/api/todos/"+t.ID+"/attachments/"+name)
	sdk.WriteJSON(w, http.StatusCreated, Attachment{Name: name, Size: n, ContentType: ct, UploadedAt: s.clock()})
}

// attachment resolves the request's attachment: a valid name on a to-do
// the user owns. On failure it has written the error and ok is false.
func (s *service) attachment(w http.ResponseWriter, r *http.Request) (b *blob.Bucket, name, key string, ok bool) {
	name = r.PathValue("name")
	if err := validName(name); err != nil {
		fail(w, r, err)
		return nil, "", "", false
	}
	t, err := s.ownedTodo(r)
	if err != nil {
		fail(w, r, err)
		return nil, "", "", false
	}
	if b, err = s.attachments.Open(r.Context()); err != nil {
		fail(w, r, err)
		return nil, "", "", false
	}
	return b, name, AttachmentKey(t.Owner, t.ID, name), true
}

func attachmentNotFound(name string) error {
	return sdk.Errorf(sdk.CodeNotFound, "attachment %q not found", name)
}

func (s *service) getAttachment(w http.ResponseWriter, r *http.Request) {
	b, name, key, ok := s.attachment(w, r)
	if !ok {
		return
	}
	rd, err := b.NewReader(r.Context(), key, nil)
	if err != nil {
		if sdk.CodeOf(err) == sdk.CodeNotFound {
			err = attachmentNotFound(name)
		}
		fail(w, r, err)
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
		if sdk.CodeOf(err) == sdk.CodeNotFound {
			err = attachmentNotFound(name)
		}
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *service) deleteAllAttachments(ctx context.Context, t *Todo) error {
	b, err := s.attachments.Open(ctx)
	if err != nil {
		return err
	}
	iter := b.List(&blob.ListOptions{Prefix: attachmentPrefix(t.Owner, t.ID)})
	var errs []error
	for {
		obj, err := iter.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("todo: list attachments of %s: %w", t.ID, err)
		}
		if err := b.Delete(ctx, obj.Key); err != nil && sdk.CodeOf(err) != sdk.CodeNotFound {
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
	if sdk.CodeOf(err) == sdk.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("todo: attributes of %s: %w", e.Key, err)
	}
	return attrs.ContentType, nil
}

// recordAttachment keeps a to-do's attachment list in step with its
// bucket: created objects are added (or updated) with size and type,
// deleted ones removed. A conflicting write is retried by redelivery.
func (s *service) recordAttachment(ctx context.Context, e *sdk.BlobEvent) error {
	owner, id, name, ok := parseAttachmentKey(e.Key)
	if !ok {
		sdk.Logger(ctx).Warn("ignoring an object outside the attachment layout", "key", e.Key)
		return nil
	}
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
	kept := []Attachment{}
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
	t.Attachments = kept
	if err := replaceTodo(ctx, coll, t); err != nil {
		return sdk.Wrap(sdk.CodeUnavailable, fmt.Errorf("todo: record attachment %s: %w", e.Key, err))
	}
	return nil
}
