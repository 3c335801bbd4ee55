package todo

import (
	"net/http"
	"strconv"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json/jsontext"
)

// The API's to-do JSON is written by hand: a page of the list is the app's
// busiest response, and encoding/json's reflection (time.Time's MarshalJSON
// above all) was a quarter of its cost. The output is the document
// encoding/json makes from Todo's json tags; TestTodoJSONMatchesTags and
// FuzzTodoJSON hold the two together.

// writeTodo writes t as a JSON response with the given status.
func writeTodo(w http.ResponseWriter, status int, t *Todo) {
	sdk.WriteJSONBytes(w, status, append(appendTodo(make([]byte, 0, 512), t), '\n'))
}

// writeList writes a page of the list: {"items":[...],"next_cursor":"..."}.
func writeList(w http.ResponseWriter, items []*Todo, next string) {
	b := make([]byte, 0, 64+320*len(items))
	b = append(b, `{"items":[`...)
	for i, t := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTodo(b, t)
	}
	b = append(b, `],"next_cursor":`...)
	b = appendString(b, next)
	sdk.WriteJSONBytes(w, http.StatusOK, append(b, "}\n"...))
}

// appendTodo appends t's API fields as a JSON object.
func appendTodo(b []byte, t *Todo) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, t.ID)
	b = append(b, `,"title":`...)
	b = appendString(b, t.Title)
	b = append(b, `,"notes":`...)
	b = appendString(b, t.Notes)
	b = append(b, `,"due":`...)
	b = appendString(b, t.Due)
	b = append(b, `,"done":`...)
	b = strconv.AppendBool(b, t.Done)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, t.UpdatedAt)
	if !t.CompletedAt.IsZero() {
		b = append(b, `,"completed_at":`...)
		b = appendTime(b, t.CompletedAt)
	}
	b = append(b, `,"attachments":`...)
	if t.Attachments == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range t.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAttachment(b, &t.Attachments[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"revision":`...)
	b = appendString(b, t.Revision)
	return append(b, '}')
}

// appendAttachment appends a's API fields as a JSON object.
func appendAttachment(b []byte, a *Attachment) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, a.Name)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, a.Size, 10)
	b = append(b, `,"content_type":`...)
	b = appendString(b, a.ContentType)
	b = append(b, `,"uploaded_at":`...)
	b = appendTime(b, a.UploadedAt)
	return append(b, '}')
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does; the error saying so is not one.
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}

// appendTime appends t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, quoted. The store's times are all within its year range.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
