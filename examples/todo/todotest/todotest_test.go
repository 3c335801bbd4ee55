package todotest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// failRecorder records Fatalf instead of stopping the test.
type failRecorder struct {
	testing.TB
	failed string
}

func (f *failRecorder) Helper() {}

func (f *failRecorder) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestCallAndExpect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s auth=%q type=%q", r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"))
	}))
	defer srv.Close()

	api := New(t, srv.URL)
	st, body := api.Call("PUT", "/api/todos/1", "tok", "text/plain", "x")
	api.Expect("put", st, body, 200, `PUT /api/todos/1 auth="Bearer tok" type="text/plain"`)
	st, body = api.Call("GET", "/api/todos", "", "", "")
	api.Expect("get", st, body, 200, `auth="" type=""`)

	rec := &failRecorder{TB: t}
	New(rec, srv.URL).Expect("wrong status", st, body, 201, "")
	if rec.failed == "" {
		t.Error("Expect passed a 200 where 201 was wanted")
	}
	rec.failed = ""
	New(rec, srv.URL).Expect("wrong body", st, body, 200, "nope")
	if rec.failed == "" {
		t.Error("Expect passed a body without the wanted text")
	}
}
