package todo_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/localtest"
	"github.com/faaskit/faas/sdk"
	"github.com/go-jose/go-jose/v4"
)

// issuer is an OIDC issuer on 127.0.0.1 that signs tokens for any subject,
// as a real identity provider may: the dev issuer only accepts tame names.
type issuer struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
}

const issuerAudience = "todo-test"

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// token returns a signed token whose "sub" is sub.
func (is *issuer) token(t *testing.T, sub string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: is.key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"iss": is.srv.URL, "sub": sub, "aud": issuerAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// start runs the to-do app under the local runtime, trusting is.
func (is *issuer) start(t *testing.T) *localtest.Env {
	return localtest.Start(t, func() *sdk.App {
		t.Setenv("FAAS_AUTH_ISSUER", is.srv.URL)
		t.Setenv("FAAS_AUTH_AUDIENCE", issuerAudience)
		return todo.App()
	}, nil)
}
