package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faaskit/faas/sdk"
	jose "github.com/go-jose/go-jose/v4"
)

// FuzzMiddleware sends arbitrary Authorization headers (one or two),
// seeded from the README walk-through's requests ("Authorization: Bearer
// $TOKEN"). Only the issuer's own token, alone and under the Bearer
// scheme, gets through; everything else is a 401 JSON error with a
// well-formed challenge, never a 5xx while the issuer is up.
func FuzzMiddleware(f *testing.F) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	ti := &testIssuer{current: testKey{kid: "fuzz-1", priv: priv}}
	ti.published = []testKey{ti.current}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", ti.serveDiscovery)
	mux.HandleFunc("GET /jwks", ti.serveJWKS)
	ti.srv = httptest.NewServer(mux)
	f.Cleanup(ti.srv.Close)
	v, err := NewVerifier(Config{Issuer: ti.URL(), Audience: []string{testAudience}})
	if err != nil {
		f.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: "fuzz-1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		f.Fatal(err)
	}
	payload, _ := json.Marshal(ti.claims())
	jws, err := signer.Sign(payload)
	if err != nil {
		f.Fatal(err)
	}
	valid, _ := jws.CompactSerialize()
	for _, seed := range [][2]string{
		{"Bearer " + valid, ""},
		{"Bearer " + valid, "Bearer " + valid},
		{"bearer  " + valid + " ", ""},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Basic YWxpY2U6c2VjcmV0", ""},
		{"Bearer " + valid[:len(valid)-2], ""},
		{"Bearer " + valid + "x", ""},
		{"Bearer " + strings.Replace(valid, ".", "..", 1), ""},
		{"Bearer a.b.c", ""},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, h1, h2 string) {
		req := httptest.NewRequest("GET", "/api/todos", nil)
		n := 0
		for _, h := range []string{h1, h2} {
			if h != "" {
				req.Header.Add("Authorization", h)
				n++
			}
		}
		rec := httptest.NewRecorder()
		v.Middleware(whoami).ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			scheme, tok, _ := strings.Cut(strings.TrimSpace(h1), " ")
			if n != 1 || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) != valid || rec.Body.String() != "user-123" {
				t.Fatalf("let %q / %q through as %q", h1, h2, rec.Body)
			}
		case http.StatusUnauthorized:
			var eb sdk.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code != "unauthenticated" {
				t.Fatalf("401 body %q; want a JSON unauthenticated error", rec.Body)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, "Bearer") {
				t.Fatalf("challenge %q", ch)
			}
			for _, r := range ch {
				if r < 0x20 || r > 0x7e {
					t.Fatalf("challenge %q has a character outside printable ASCII", ch)
				}
			}
		default:
			t.Fatalf("%q / %q: status %d %s; want 200 or 401", h1, h2, rec.Code, rec.Body)
		}
	})
}
