package todo

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faaskit/faas/sdk"
)

// FuzzDecodeJSON feeds the API's JSON decoding arbitrary bodies, seeded
// with the README walk-through's requests. A body is accepted only if it
// is one valid JSON object and nothing else; anything else is refused with
// a field-naming invalid-input error (or 413) in the API's terms; and an
// accepted create request passes validation only with a visible title of
// clean text.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Buy milk","due":"2026-12-01"}`,
		`{"done":true}`,
		`{"title":"x","revision":"1"}`,
		`{"title":"a"}}`,
		`[]`,
		"{\"title\":\"a\xffb\"}",
		`{"title":"\u202e"}`,
		`{"notes":"` + strings.Repeat("n", 100) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range []any{&createRequest{}, &updateRequest{}} {
			r := httptest.NewRequest("POST", "/api/todos", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			err := decodeJSON(httptest.NewRecorder(), r, target)
			if err == nil {
				if !json.Valid(body) || !utf8.Valid(body) || !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
					t.Fatalf("accepted %q, which is not one JSON object of valid UTF-8", body)
				}
				if req, ok := target.(*createRequest); ok {
					td := &Todo{Title: req.Title, Notes: req.Notes, Due: req.Due}
					if td.validate() == nil && (blank(td.Title) || textProblem(td.Title, false) != "" || textProblem(td.Notes, true) != "") {
						t.Fatalf("validated a title %q / notes %q that should be refused", td.Title, td.Notes)
					}
				}
				continue
			}
			var tl *tooLargeError
			if errors.As(err, &tl) {
				if len(body) <= maxJSONBody {
					t.Fatalf("a %d-byte body was too large", len(body))
				}
				continue
			}
			var e *sdk.Error
			if !errors.As(err, &e) || e.Code != sdk.CodeInvalidInput || e.Field == "" || e.Message == "" {
				t.Fatalf("body %q: error %#v; want invalid input naming a field", body, err)
			}
			for _, goWord := range []string{"todo.", "Request", "struct", "json:"} {
				if strings.Contains(e.Message, goWord) {
					t.Fatalf("body %q: message %q speaks Go", body, e.Message)
				}
			}
		}
	})
}
