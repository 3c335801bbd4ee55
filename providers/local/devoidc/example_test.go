package devoidc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/faaskit/faas/providers/local/devoidc"
)

func Example() {
	// The local runtime mounts the issuer under /_faas/oidc; KeyFile keeps
	// tokens valid across restarts of `faas dev`.
	iss, err := devoidc.New("http://127.0.0.1:8080/_faas/oidc", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/_faas/oidc/", iss)
	// Functions are then configured with FAAS_AUTH_ISSUER=iss.URL() and
	// FAAS_AUTH_AUDIENCE=iss.Audience().
	fmt.Println(iss.URL(), iss.Audience())

	// The equivalent of:
	//   curl -s -X POST http://127.0.0.1:8080/_faas/oidc/token -d grant_type=password -d username=alice
	form := url.Values{"grant_type": {"password"}, "username": {"alice"}}
	req := httptest.NewRequest("POST", "/_faas/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)

	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	json.Unmarshal(rec.Body.Bytes(), &tok)
	fmt.Println(rec.Code, tok.TokenType, tok.ExpiresIn, strings.Count(tok.AccessToken, "."))
	// Output:
	// http://127.0.0.1:8080/_faas/oidc faas-dev
	// 200 Bearer 43200 2
}
