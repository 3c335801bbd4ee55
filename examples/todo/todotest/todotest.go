// Package todotest drives the to-do app's HTTP API from tests, wherever it
// runs: under faas dev, or a deployed artifact started under a provider's
// local host (lambdahost, gcfhost, funchost) for the README walk-through.
package todotest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// API calls the to-do app at a base URL on behalf of a test.
type API struct {
	t    testing.TB
	base string
}

// New returns an API for the app served at base (no trailing slash).
func New(t testing.TB, base string) *API { return &API{t: t, base: base} }

// Call sends one request, with a bearer token and a Content-Type when they
// are not empty, and returns the status and the body. A transport error
// fails the test.
func (a *API) Call(method, path, token, contentType, body string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, string(b)
}

// Expect fails the test, naming the step what, unless status is wantStatus
// and body contains wantBody.
func (a *API) Expect(what string, status int, body string, wantStatus int, wantBody string) {
	a.t.Helper()
	if status != wantStatus || !strings.Contains(body, wantBody) {
		a.t.Fatalf("%s: %d %s; want %d with %q", what, status, body, wantStatus, wantBody)
	}
}
