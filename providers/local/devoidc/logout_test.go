package devoidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogout(t *testing.T) {
	iss, srv := serve(t, nil)
	base := srv.URL + issuerPath
	idToken, err := iss.Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := serve(t, nil)
	foreign, err := other.Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		params   url.Values
		status   int
		location string // for 302
		body     string // for pages
	}{
		{name: "back to the app with the state", params: url.Values{
			"post_logout_redirect_uri": {"http://localhost:5173/?x=1"}, "state": {"s 1"}, "id_token_hint": {idToken}, "client_id": {"spa"},
		}, status: 302, location: "http://localhost:5173/?state=s+1&x=1"},
		{name: "same-origin redirect without state", params: url.Values{"post_logout_redirect_uri": {srv.URL + "/"}}, status: 302, location: srv.URL + "/"},
		{name: "no redirect shows a page", params: url.Values{}, status: 200, body: "<h1>Signed out</h1>"},
		{name: "foreign redirect", params: url.Values{"post_logout_redirect_uri": {"https://evil.example/"}}, status: 400, body: "post_logout_redirect_uri must be"},
		{name: "foreign id_token_hint", params: url.Values{"post_logout_redirect_uri": {"http://localhost:5173/"}, "id_token_hint": {foreign}}, status: 400, body: "id_token_hint"},
		{name: "garbage id_token_hint", params: url.Values{"id_token_hint": {"x.y.z"}}, status: 400, body: "id_token_hint"},
		{name: "repeated state", params: url.Values{"state": {"a", "b"}}, status: 400, body: "state given more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				var resp *http.Response
				var body []byte
				if method == "GET" {
					resp, body = get(t, base+"/logout?"+tt.params.Encode())
				} else {
					resp, body = postForm(t, base+"/logout", tt.params)
				}
				if resp.StatusCode != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", method, resp.StatusCode, tt.status, body)
				}
				if got := resp.Header.Get("Location"); got != tt.location {
					t.Errorf("%s: Location %q, want %q", method, got, tt.location)
				}
				if !strings.Contains(string(body), tt.body) {
					t.Errorf("%s: body lacks %q: %s", method, tt.body, body)
				}
			}
		})
	}
	t.Run("DELETE", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", base+"/logout", nil)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

// TestPageAccessibility checks the page structure axe-core needs (the to-do
// app's browser tests run the real axe scan): a lang, a title, header and
// main landmarks with all content inside them, one h1, a labelled input
// that points at the error and note, and no external assets.
func TestPageAccessibility(t *testing.T) {
	_, srv := serve(t, nil)
	base := srv.URL + issuerPath
	_, challenge := pkce("abc")
	params := authorizeParams("http://localhost:5173/", challenge)
	form := url.Values{"username": {"bad name"}}
	for k, v := range params {
		form[k] = v
	}
	_, okPage := get(t, base+"/authorize?"+params.Encode())
	_, errPage := postForm(t, base+"/authorize", form)
	_, outPage := get(t, base+"/logout")
	tests := []struct {
		name string
		page string
		want []string
		not  []string
	}{
		{"sign-in", string(okPage), []string{`<label for="username">`, `aria-describedby="note"`, "<title>Sign in · faas dev</title>"}, []string{`aria-invalid="true"`}},
		{"sign-in error", string(errPage), []string{`aria-invalid="true"`, `aria-describedby="error note"`, `id="error" role="alert"`, `value="bad name"`}, nil},
		{"signed out", string(outPage), []string{"<h1>Signed out</h1>"}, []string{"<form"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range append([]string{`<html lang="en">`, "<header>", "<main>", "</main>\n</body>", "name=\"viewport\""}, tt.want...) {
				if !strings.Contains(tt.page, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			if n := strings.Count(tt.page, "<h1>"); n != 1 {
				t.Errorf("%d h1 elements", n)
			}
			body := tt.page[strings.Index(tt.page, "<body>"):]
			if between := body[len("<body>"):strings.Index(body, "<header>")]; strings.TrimSpace(between) != "" {
				t.Errorf("content outside landmarks: %q", between)
			}
			for _, bad := range append([]string{"<script", "src=", "href="}, tt.not...) {
				if strings.Contains(tt.page, bad) {
					t.Errorf("page has %s", bad)
				}
			}
		})
	}
}
