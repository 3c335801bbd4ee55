package devoidc

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// authorizeParams returns a valid authorization request.
func authorizeParams(redirectURI, challenge string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {"spa"},
		"redirect_uri":          {redirectURI},
		"state":                 {"xyz 123"},
		"nonce":                 {"n-0S6"},
		"scope":                 {"openid profile"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
}

// signIn posts the sign-in form and returns the code from the redirect.
func signIn(t *testing.T, base string, params url.Values, user string) string {
	t.Helper()
	form := url.Values{"username": {user}}
	for k, v := range params {
		form[k] = v
	}
	resp, body := postForm(t, base+"/authorize", form)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /authorize: status %d: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	redirect, _ := url.Parse(params.Get("redirect_uri"))
	q := loc.Query()
	if loc.Scheme != redirect.Scheme || loc.Host != redirect.Host || loc.Path != redirect.Path {
		t.Fatalf("redirected to %s, want %s", loc, redirect)
	}
	if q.Get("state") != params.Get("state") || q.Get("code") == "" || q.Get("iss") != strings.TrimSuffix(base, "/") {
		t.Fatalf("redirect query = %v", q)
	}
	return q.Get("code")
}

func exchange(t *testing.T, base, code, redirectURI, verifier string) (int, []byte) {
	t.Helper()
	resp, body := postForm(t, base+"/token", url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
		"client_id":     {"spa"},
	})
	return resp.StatusCode, body
}

func TestCodeFlow(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	iss, srv := serve(t, &Options{Now: clock.now})
	base := srv.URL + issuerPath
	const redirectURI = "http://localhost:5173/callback?keep=1"
	verifierStr, challenge := pkce("abc")
	params := authorizeParams(redirectURI, challenge)

	// The sign-in page.
	resp, body := get(t, base+"/authorize?"+params.Encode())
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /authorize: status %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{`name="username"`, `id="username"`, ">Sign in</button>", `value="xyz 123"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href="} {
		if strings.Contains(page, bad) {
			t.Errorf("page is not self-contained: has %s", bad)
		}
	}

	t.Run("exchange", func(t *testing.T) {
		code := signIn(t, base, params, "alice")
		status, body := exchange(t, base, code, redirectURI, verifierStr)
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		tok := decode[tokenResponse](t, body)
		clock.t = time.Now() // the verifier uses the real clock
		u, err := verifier(t, iss).Verify(context.Background(), tok.IDToken)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "alice" || u.Claims["nonce"] != "n-0S6" || u.Claims["azp"] != "spa" {
			t.Errorf("claims = %v", u.Claims)
		}

		t.Run("reuse", func(t *testing.T) {
			status, body := exchange(t, base, code, redirectURI, verifierStr)
			if status != 400 || decode[oauthError](t, body).Code != "invalid_grant" {
				t.Errorf("status %d: %s", status, body)
			}
		})
	})

	failures := []struct {
		name     string
		prepare  func() // runs after sign-in
		redirect string
		verifier string
	}{
		{name: "wrong verifier", verifier: strings.Repeat("x", 43)},
		{name: "wrong redirect_uri", redirect: "http://localhost:5173/other"},
		{name: "expired code", prepare: func() { clock.t = clock.t.Add(codeTTL + time.Second) }},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			clock.t = time.Now()
			code := signIn(t, base, params, "alice")
			if tt.prepare != nil {
				tt.prepare()
			}
			redirect, v := redirectURI, verifierStr
			if tt.redirect != "" {
				redirect = tt.redirect
			}
			if tt.verifier != "" {
				v = tt.verifier
			}
			status, body := exchange(t, base, code, redirect, v)
			if status != 400 || decode[oauthError](t, body).Code != "invalid_grant" {
				t.Fatalf("status %d: %s", status, body)
			}
			// A failed attempt consumes the code.
			clock.t = time.Now()
			if status, _ := exchange(t, base, code, redirectURI, verifierStr); status != 400 {
				t.Errorf("code still redeemable after a failed attempt: status %d", status)
			}
		})
	}
}

func TestAuthorizeRejects(t *testing.T) {
	_, srv := serve(t, nil)
	base := srv.URL + issuerPath
	_, challenge := pkce("abc")
	tests := []struct {
		name   string
		change func(p url.Values)
		ok     bool
	}{
		{name: "valid", ok: true},
		{name: "127.0.0.1 redirect", change: func(p url.Values) { p.Set("redirect_uri", "http://127.0.0.1:3000/cb") }, ok: true},
		{name: "[::1] redirect", change: func(p url.Values) { p.Set("redirect_uri", "http://[::1]:3000/cb") }, ok: true},
		{name: "same-origin redirect", change: func(p url.Values) { p.Set("redirect_uri", srv.URL+"/app/") }, ok: true},
		{name: "non-loopback redirect", change: func(p url.Values) { p.Set("redirect_uri", "https://evil.example/cb") }},
		{name: "lookalike host", change: func(p url.Values) { p.Set("redirect_uri", "http://localhost.evil.example/cb") }},
		{name: "redirect with user info", change: func(p url.Values) { p.Set("redirect_uri", "http://evil.example@localhost/cb") }},
		{name: "redirect with fragment", change: func(p url.Values) { p.Set("redirect_uri", "http://localhost/cb#x") }},
		{name: "javascript redirect", change: func(p url.Values) { p.Set("redirect_uri", "javascript:alert(1)") }},
		{name: "relative redirect", change: func(p url.Values) { p.Set("redirect_uri", "/cb") }},
		{name: "missing redirect", change: func(p url.Values) { p.Del("redirect_uri") }},
		{name: "missing code_challenge", change: func(p url.Values) { p.Del("code_challenge") }},
		{name: "missing code_challenge_method", change: func(p url.Values) { p.Del("code_challenge_method") }},
		{name: "plain method", change: func(p url.Values) { p.Set("code_challenge_method", "plain") }},
		{name: "short challenge", change: func(p url.Values) { p.Set("code_challenge", "abc") }},
		{name: "token response type", change: func(p url.Values) { p.Set("response_type", "token") }},
		{name: "missing client_id", change: func(p url.Values) { p.Del("client_id") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := authorizeParams("http://localhost:5173/cb", challenge)
			if tt.change != nil {
				tt.change(params)
			}
			resp, body := get(t, base+"/authorize?"+params.Encode())
			if tt.ok != (resp.StatusCode == 200) {
				t.Fatalf("GET: status %d: %s", resp.StatusCode, body)
			}
			form := url.Values{"username": {"alice"}}
			for k, v := range params {
				form[k] = v
			}
			resp, body = postForm(t, base+"/authorize", form)
			want := http.StatusBadRequest
			if tt.ok {
				want = http.StatusFound
			}
			if resp.StatusCode != want {
				t.Fatalf("POST: status %d, want %d: %s", resp.StatusCode, want, body)
			}
			if !tt.ok && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("POST: content type %q", resp.Header.Get("Content-Type"))
			}
		})
	}

	t.Run("bad username", func(t *testing.T) {
		form := authorizeParams("http://localhost:5173/cb", challenge)
		form.Set("username", "<script>")
		resp, body := postForm(t, base+"/authorize", form)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `id="username"`) || strings.Contains(string(body), "<script>") {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	})
}
