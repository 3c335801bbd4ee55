package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// testIssuer is an in-test OIDC issuer: it serves discovery and a JWKS on
// 127.0.0.1, signs tokens with ES256, rotates keys and can fail on demand.
type testIssuer struct {
	srv *httptest.Server

	mu            sync.Mutex
	current       testKey   // signs new tokens
	published     []testKey // served by /jwks
	discoveryDown bool
	jwksDown      bool
	discoveryHits int
	jwksHits      int
}

type testKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

const testAudience = "my-app"

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	ti := &testIssuer{}
	ti.current = newTestKey(t, "key-1")
	ti.published = []testKey{ti.current}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", ti.serveDiscovery)
	mux.HandleFunc("GET /jwks", ti.serveJWKS)
	ti.srv = httptest.NewServer(mux) // binds 127.0.0.1
	t.Cleanup(ti.srv.Close)
	return ti
}

func newTestKey(t testing.TB, kid string) testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, priv: priv}
}

func (ti *testIssuer) URL() string { return ti.srv.URL }

func (ti *testIssuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	ti.mu.Lock()
	ti.discoveryHits++
	down := ti.discoveryDown
	ti.mu.Unlock()
	if down {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{
		"issuer":                                ti.URL(),
		"jwks_uri":                              ti.URL() + "/jwks",
		"authorization_endpoint":                ti.URL() + "/authorize",
		"token_endpoint":                        ti.URL() + "/token",
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
	})
}

func (ti *testIssuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.jwksHits++
	if ti.jwksDown {
		http.Error(w, "boom", http.StatusBadGateway)
		return
	}
	var set jose.JSONWebKeySet
	for _, k := range ti.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"})
	}
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// set changes the issuer's state under its lock.
func (ti *testIssuer) set(f func(ti *testIssuer)) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	f(ti)
}

func (ti *testIssuer) hits() (discovery, jwks int) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.discoveryHits, ti.jwksHits
}

// rotate makes a new current key and publishes only it.
func (ti *testIssuer) rotate(t *testing.T, kid string) {
	k := newTestKey(t, kid)
	ti.set(func(ti *testIssuer) { ti.current, ti.published = k, []testKey{k} })
}

// claims returns a valid claim set for a token from this issuer.
func (ti *testIssuer) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":   ti.URL(),
		"sub":   "user-123",
		"aud":   testAudience,
		"email": "alice@example.test",
		"name":  "Alice",
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
	}
}

// sign signs claims with the issuer's current key.
func (ti *testIssuer) sign(t *testing.T, claims map[string]any) string {
	ti.mu.Lock()
	k := ti.current
	ti.mu.Unlock()
	return signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, claims)
}

func signWith(t testing.TB, key jose.SigningKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsignedToken builds an alg=none JWT.
func unsignedToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
}

// newTestVerifier returns a Verifier for ti with cfg's zero fields filled in.
func newTestVerifier(t testing.TB, ti *testIssuer, cfg Config) *Verifier {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = ti.URL()
	}
	if cfg.Audience == nil {
		cfg.Audience = []string{testAudience}
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func unix(d time.Duration) int64 { return time.Now().Add(d).Unix() }
