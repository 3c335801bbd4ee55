package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/auth"
)

func ExampleConfigFromEnv() {
	env := map[string]string{ // os.LookupEnv in production
		"FAAS_AUTH_ISSUER":          "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
		"FAAS_AUTH_AUDIENCE":        "web-client,cli-client",
		"FAAS_AUTH_CLIENT_ID_CLAIM": "client_id",
	}
	cfg, err := auth.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Audience, cfg.ClientIDClaim)

	_, err = auth.ConfigFromEnv(func(string) (string, bool) { return "", false })
	fmt.Println(err)
	// Output:
	// [web-client cli-client] client_id
	// auth: FAAS_AUTH_ISSUER is required
}

func ExampleVerifier_Middleware() {
	v, err := auth.NewVerifier(auth.Config{
		Issuer:   "https://accounts.google.com",
		Audience: []string{"1234.apps.googleusercontent.com"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := sdk.UserFrom(r.Context())
		fmt.Fprintf(w, "hello %s", u.Name)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /hello", v.Middleware(hello))

	// A request without a token is turned away before any network call.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/hello", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	fmt.Print(rec.Body)
	// Output:
	// 401 Bearer
	// {"error":{"code":"unauthenticated","message":"auth: bearer token required"}}
}

func ExampleVerifier_Optional() {
	v, err := auth.NewVerifier(auth.Config{Issuer: "https://issuer.example", Audience: []string{"my-app"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	feed := v.Optional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := sdk.UserID(r.Context()); ok {
			fmt.Fprintf(w, "feed for %s", id)
			return
		}
		fmt.Fprint(w, "public feed")
	}))
	rec := httptest.NewRecorder()
	feed.ServeHTTP(rec, httptest.NewRequest("GET", "/feed", nil))
	fmt.Println(rec.Code, rec.Body)
	// Output: 200 public feed
}
