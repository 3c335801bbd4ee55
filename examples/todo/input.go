package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faaskit/faas/sdk"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// tooLargeError is a request body over its limit (413).
type tooLargeError struct{ limit string }

func (e *tooLargeError) Error() string { return "the request body is larger than " + e.limit }

// decodeJSON reads a JSON object into v strictly: a JSON content type if
// any, at most maxJSONBody bytes, valid UTF-8, one object and nothing
// after it, no unknown fields, each field of its type. Errors name the
// field at fault in the API's terms.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return sdk.FieldError("Content-Type", "send application/json, not %q", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &tooLargeError{limit: "64 KiB"}
		}
		return sdk.FieldError("body", "the request body could not be read")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return sdk.FieldError("body", "the request body is empty; send a JSON object")
	case trimmed[0] != '{':
		return sdk.FieldError("body", "the request body must be a JSON object")
	case !utf8.Valid(body):
		f := invalidUTF8Field(body)
		return sdk.FieldError(f, "%s is not valid UTF-8", f)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return sdk.FieldError("body", "the request body has data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into one in the API's terms: no Go
// type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return sdk.FieldError(te.Field, "%s must be %s", te.Field, jsonType(te.Type))
	case errors.As(err, &te):
		return sdk.FieldError("body", "the request body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if f == "" {
			return sdk.FieldError("body", "the request body has a field with an empty name")
		}
		return sdk.FieldError(f, "unknown field %q", f)
	case errors.As(err, &se):
		return sdk.FieldError("body", "the request body is not valid JSON at byte %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sdk.FieldError("body", "the request body ends inside the JSON object")
	}
	return sdk.FieldError("body", "the request body is not valid JSON")
}

// jsonType names t as JSON does.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// invalidUTF8Field names the top-level field whose value is not valid
// UTF-8, or "body".
func invalidUTF8Field(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "body"
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "" && utf8.ValidString(k) && !utf8.Valid(fields[k]) {
			return k
		}
	}
	return "body"
}

// textProblem says what is wrong with a user-supplied text, or "": it must
// be valid UTF-8 (no U+FFFD either, the mark of text that was not), with no
// control characters (but tabs and line breaks where multiline) and no
// bidirectional embeddings, overrides or isolates, which can make text
// display differently from what it is.
func textProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "contains U+FFFD, the mark of text that was not valid UTF-8"
		case r == 0:
			return "contains a NUL character"
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character U+%04X", r)
		case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			return fmt.Sprintf("contains the bidirectional control U+%04X", r)
		}
	}
	return ""
}

// blank reports whether s shows nothing: only spaces, zero-width and other
// invisible format characters, or fillers.
func blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && r != 0x115F && r != 0x1160 && r != 0x3164 && r != 0xFFA0 && r != 0x2800 {
			return false
		}
	}
	return true
}

// validate checks the user-editable fields.
func (t *Todo) validate() error {
	t.Title = strings.TrimSpace(t.Title)
	if p := textProblem(t.Title, false); p != "" {
		return sdk.FieldError("title", "title %s", p)
	}
	if p := textProblem(t.Notes, true); p != "" {
		return sdk.FieldError("notes", "notes %s", p)
	}
	switch {
	case blank(t.Title):
		return sdk.FieldError("title", "title is required")
	case utf8.RuneCountInString(t.Title) > 200:
		return sdk.FieldError("title", "title must be at most 200 characters")
	case utf8.RuneCountInString(t.Notes) > 2000:
		return sdk.FieldError("notes", "notes must be at most 2000 characters")
	}
	if t.Due != "" {
		if _, err := time.Parse(time.DateOnly, t.Due); err != nil {
			return sdk.FieldError("due", "due must be a date like 2026-12-31")
		}
	}
	return nil
}

// validName checks an attachment name: 1-100 characters of letters,
// digits, '.', '_', '-' and spaces, not starting with '.' and not starting
// or ending with a space.
func validName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return sdk.FieldError("name", "attachment name is empty")
	case len(name) > 100:
		return sdk.FieldError("name", "attachment name must be at most 100 characters")
	case strings.HasPrefix(name, "."):
		return sdk.FieldError("name", "attachment name must not start with '.'")
	case strings.HasPrefix(name, " ") || strings.HasSuffix(name, " "):
		return sdk.FieldError("name", "attachment name must not start or end with a space")
	}
	for _, r := range name {
		ok := r == '.' || r == '_' || r == '-' || r == ' ' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return sdk.FieldError("name", "attachment name may contain letters, digits, '.', '_', '-' and spaces only")
		}
	}
	return nil
}
