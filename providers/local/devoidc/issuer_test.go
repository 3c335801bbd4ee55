package devoidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/auth"
)

func TestDiscovery(t *testing.T) {
	iss, srv := serve(t, nil)
	base := srv.URL + issuerPath
	resp, body := get(t, base+"/.well-known/openid-configuration")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc := decode[map[string]any](t, body)
	want := map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/token",
		"jwks_uri":                              base + "/jwks",
		"end_session_endpoint":                  base + "/logout",
		"response_types_supported":              []any{"code"},
		"grant_types_supported":                 []any{"authorization_code", "refresh_token", "password"},
		"code_challenge_methods_supported":      []any{"S256"},
		"id_token_signing_alg_values_supported": []any{"RS256"},
		"subject_types_supported":               []any{"public"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(doc[k], v) {
			t.Errorf("%s = %#v, want %#v", k, doc[k], v)
		}
	}
	if iss.URL() != base || iss.Audience() != DefaultAudience {
		t.Errorf("URL() = %q, Audience() = %q", iss.URL(), iss.Audience())
	}
}

func TestJWKS(t *testing.T) {
	iss, srv := serve(t, nil)
	_, body := get(t, srv.URL+issuerPath+"/jwks")
	set := decode[struct {
		Keys []map[string]string `json:"keys"`
	}](t, body)
	if len(set.Keys) != 1 {
		t.Fatalf("keys = %v", set.Keys)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["d"] != "" {
		t.Errorf("key = %v", k)
	}
	// RFC 7638: SHA-256 over the required members in lexicographic order.
	canonical := `{"e":"` + k["e"] + `","kty":"RSA","n":"` + k["n"] + `"}`
	sum := sha256.Sum256([]byte(canonical))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k["kid"] != want || iss.kid != want {
		t.Errorf("kid = %q, want thumbprint %q", k["kid"], want)
	}
}

// TestPasswordGrantVerifies is the end-to-end proof that the sdk/auth
// middleware accepts dev tokens exactly as it accepts a cloud issuer's.
func TestPasswordGrantVerifies(t *testing.T) {
	iss, srv := serve(t, nil)
	resp, body := postForm(t, srv.URL+issuerPath+"/token", map[string][]string{
		"grant_type": {"password"}, "username": {"alice"},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	tok := decode[tokenResponse](t, body)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != int64(DefaultTokenTTL.Seconds()) || tok.AccessToken == "" || tok.IDToken == "" {
		t.Fatalf("token response = %+v", tok)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}

	v := verifier(t, iss)
	api := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := sdk.UserFrom(r.Context())
		json.NewEncoder(w).Encode(u)
	})))
	defer api.Close()
	req, _ := http.NewRequest("GET", api.URL+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var u sdk.User
	if err := json.NewDecoder(res.Body).Decode(&u); err != nil || res.StatusCode != 200 {
		t.Fatalf("status %d, decode %v", res.StatusCode, err)
	}
	if u.ID != "alice" || u.Name != "alice" || u.Email != "alice@example.test" || u.Claims["iss"] != iss.URL() {
		t.Errorf("user = %+v", u)
	}
}

func TestTokenMethod(t *testing.T) {
	iss, _ := serve(t, &Options{Audience: "my-app", TokenTTL: time.Hour})
	tok, err := iss.Token("bob@corp")
	if err != nil {
		t.Fatal(err)
	}
	u, err := verifier(t, iss).Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := u.Claims["exp"].(json.Number).Int64()
	iat, _ := u.Claims["iat"].(json.Number).Int64()
	if u.ID != "bob@corp" || u.Claims["aud"] != "my-app" || exp-iat != 3600 {
		t.Errorf("claims = %v", u.Claims)
	}
	if _, err := iss.Token("no spaces"); err == nil {
		t.Error("Token accepted an invalid username")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	_, srv := serve(t, nil)
	tokenURL := srv.URL + issuerPath + "/token"
	tests := []struct {
		name     string
		form     map[string][]string
		wantCode string
	}{
		{"no grant_type", map[string][]string{"username": {"alice"}}, "invalid_request"},
		{"unknown grant_type", map[string][]string{"grant_type": {"client_credentials"}}, "unsupported_grant_type"},
		{"repeated grant_type", map[string][]string{"grant_type": {"password", "password"}, "username": {"alice"}}, "invalid_request"},
		{"no username", map[string][]string{"grant_type": {"password"}}, "invalid_request"},
		{"username with a space", map[string][]string{"grant_type": {"password"}, "username": {"al ice"}}, "invalid_request"},
		{"username with a slash", map[string][]string{"grant_type": {"password"}, "username": {"../etc"}}, "invalid_request"},
		{"username too long", map[string][]string{"grant_type": {"password"}, "username": {strings.Repeat("a", 65)}}, "invalid_request"},
		{"code grant without code", map[string][]string{"grant_type": {"authorization_code"}}, "invalid_request"},
		{"code grant with short verifier", map[string][]string{
			"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"http://127.0.0.1/cb"},
			"client_id": {"spa"}, "code_verifier": {"short"},
		}, "invalid_request"},
		{"unknown code", map[string][]string{
			"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"http://127.0.0.1/cb"},
			"client_id": {"spa"}, "code_verifier": {strings.Repeat("v", 43)},
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postForm(t, tokenURL, tt.form)
			if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, content type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			e := decode[oauthError](t, body)
			if e.Code != tt.wantCode || e.Description == "" {
				t.Errorf("error = %+v, want %s", e, tt.wantCode)
			}
		})
	}

	t.Run("JSON body", func(t *testing.T) {
		resp, err := http.Post(tokenURL, "application/json", strings.NewReader(`{"grant_type":"password"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, _ := get(t, tokenURL)
		if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "POST") {
			t.Errorf("status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

func TestRouting(t *testing.T) {
	iss, _ := serve(t, nil)
	tests := []struct {
		path string
		want int
	}{
		{issuerPath + "/.well-known/openid-configuration", 200},
		{"/.well-known/openid-configuration", 200}, // behind http.StripPrefix
		{issuerPath + "/jwks", 200},
		{"/jwks", 200},
		{issuerPath + "/nope", 404},
		{issuerPath + "/x/jwks", 404},
		{issuerPath + "jwks", 404},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		iss.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	http.StripPrefix(issuerPath, iss).ServeHTTP(rec, httptest.NewRequest("GET", issuerPath+"/jwks", nil))
	if rec.Code != 200 {
		t.Errorf("GET %s/jwks through http.StripPrefix = %d", issuerPath, rec.Code)
	}
}

func TestCORS(t *testing.T) {
	iss, srv := serve(t, nil)
	tests := []struct {
		origin string
		path   string
		allow  bool
	}{
		{"http://localhost:5173", "/token", true},
		{"http://127.0.0.1:3000", "/jwks", true},
		{"http://[::1]:8080", "/.well-known/openid-configuration", true},
		{srv.URL, "/token", true},
		{"https://evil.example", "/token", false},
		{"http://localhost.evil.example", "/token", false},
		{"null", "/token", false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("OPTIONS", issuerPath+tt.path, nil)
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		iss.ServeHTTP(rec, req)
		got := rec.Header().Get("Access-Control-Allow-Origin")
		if rec.Code != 204 || (got == tt.origin) != tt.allow || (!tt.allow && got != "") {
			t.Errorf("preflight %s from %s: status %d, allow-origin %q", tt.path, tt.origin, rec.Code, got)
		}
	}
}

func TestKeyFilePersists(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "state", "oidc-key.pem")
	first, _ := serve(t, &Options{KeyFile: keyFile})
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	tok, err := first.Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	// A restart: a new Issuer with the same URL and key file, whose JWKS is
	// the only one the verifier sees.
	second, err := New(first.URL(), &Options{KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	if second.kid != first.kid {
		t.Fatalf("kid changed across restarts: %s != %s", second.kid, first.kid)
	}
	srv := httptest.NewServer(second) // serves /jwks at the root
	defer srv.Close()
	v, err := auth.NewVerifier(auth.Config{
		Issuer:   first.URL(),
		Audience: []string{second.Audience()},
		JWKSURL:  srv.URL + "/jwks", // keys from the restarted issuer only
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
}

func TestKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
	}{
		{"not PEM", "hello"},
		{"wrong block", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
		{"bad key bytes", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New("http://127.0.0.1:8080/_faas/oidc", &Options{KeyFile: path})
			if err == nil || !strings.HasPrefix(err.Error(), "devoidc: ") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		url     string
		opts    *Options
		wantErr bool
		wantURL string
	}{
		{url: "http://127.0.0.1:8080/_faas/oidc", wantURL: "http://127.0.0.1:8080/_faas/oidc"},
		{url: "http://127.0.0.1:8080/_faas/oidc/", wantURL: "http://127.0.0.1:8080/_faas/oidc"},
		{url: "http://localhost:8080", wantURL: "http://localhost:8080"},
		{url: "/_faas/oidc", wantErr: true},
		{url: "ftp://127.0.0.1/x", wantErr: true},
		{url: "http://127.0.0.1:8080/x?y=1", wantErr: true},
		{url: "http://127.0.0.1:8080/x#y", wantErr: true},
		{url: "http://127.0.0.1:8080", opts: &Options{TokenTTL: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		iss, err := New(tt.url, tt.opts)
		if tt.wantErr {
			if err == nil {
				t.Errorf("New(%q) succeeded", tt.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		if iss.URL() != tt.wantURL {
			t.Errorf("New(%q).URL() = %q, want %q", tt.url, iss.URL(), tt.wantURL)
		}
	}
}
