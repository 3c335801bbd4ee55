package devoidc

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk/auth"
)

// issuerPath is where the local runtime mounts the dev issuer.
const issuerPath = "/_faas/oidc"

// fakeClock is an injectable clock for Options.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// serve starts a 127.0.0.1 server with a new Issuer mounted at issuerPath.
func serve(t *testing.T, opts *Options) (*Issuer, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss, err := New(srv.URL+issuerPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(issuerPath+"/", iss)
	return iss, srv
}

// noRedirects is a client that reports redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func postForm(t *testing.T, u string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	resp, err := noRedirects.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return v
}

// verifier returns an sdk/auth Verifier configured for iss, exactly as the
// local runtime would configure functions.
func verifier(t *testing.T, iss *Issuer) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.Config{Issuer: iss.URL(), Audience: []string{iss.Audience()}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pkce returns a code verifier and its S256 challenge.
func pkce(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 43/len(seed)+1)[:43]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
