package devoidc

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// codeTokens runs the code flow for user and returns the token response.
func codeTokens(t *testing.T, base, user string) tokenResponse {
	t.Helper()
	const redirectURI = "http://localhost:5173/"
	v, challenge := pkce("r3f")
	code := signIn(t, base, authorizeParams(redirectURI, challenge), user)
	status, body := exchange(t, base, code, redirectURI, v)
	if status != 200 {
		t.Fatalf("code exchange: status %d: %s", status, body)
	}
	return decode[tokenResponse](t, body)
}

func refresh(t *testing.T, base, tok, clientID string) (int, []byte) {
	t.Helper()
	resp, body := postForm(t, base+"/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok}, "client_id": {clientID},
	})
	return resp.StatusCode, body
}

func TestRefreshGrant(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	iss, srv := serve(t, &Options{Now: clock.now, RefreshTTL: time.Hour})
	base := srv.URL + issuerPath
	first := codeTokens(t, base, "alice")
	if first.RefreshToken == "" {
		t.Fatal("the code grant returned no refresh_token")
	}

	t.Run("new tokens for the same user and client", func(t *testing.T) {
		clock.t = clock.t.Add(time.Minute)
		status, body := refresh(t, base, first.RefreshToken, "spa")
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		got := decode[tokenResponse](t, body)
		if got.RefreshToken == "" || got.AccessToken == "" || got.AccessToken == first.AccessToken {
			t.Fatalf("response = %+v", got)
		}
		clock.t = time.Now()
		u, err := verifier(t, iss).Verify(context.Background(), got.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "alice" || u.Claims["azp"] != "spa" {
			t.Errorf("claims = %v", u.Claims)
		}
		// The rotated refresh token works too.
		if status, body := refresh(t, base, got.RefreshToken, "spa"); status != 200 {
			t.Errorf("rotated refresh token: status %d: %s", status, body)
		}
	})

	t.Run("a refresh token is not an access token", func(t *testing.T) {
		clock.t = time.Now()
		if _, err := verifier(t, iss).Verify(context.Background(), first.RefreshToken); err == nil {
			t.Error("the API verifier accepted a refresh token")
		}
	})

	pw, body := postForm(t, base+"/token", url.Values{"grant_type": {"password"}, "username": {"alice"}})
	if pw.StatusCode != 200 || decode[tokenResponse](t, body).RefreshToken != "" {
		t.Fatalf("password grant: status %d, body %s (want no refresh token)", pw.StatusCode, body)
	}
	accessToken := decode[tokenResponse](t, body).AccessToken
	other, _ := serve(t, nil)
	foreign, err := other.mintRefresh("alice", "spa")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(first.RefreshToken, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]

	failures := []struct {
		name     string
		token    string
		clientID string
		advance  time.Duration
		code     string
	}{
		{name: "other client", token: first.RefreshToken, clientID: "other", code: "invalid_grant"},
		{name: "expired", token: first.RefreshToken, clientID: "spa", advance: time.Hour + time.Second, code: "invalid_grant"},
		{name: "access token", token: accessToken, clientID: "spa", code: "invalid_grant"},
		{name: "another issuer's", token: foreign, clientID: "spa", code: "invalid_grant"},
		{name: "tampered", token: tampered, clientID: "spa", code: "invalid_grant"},
		{name: "garbage", token: "not-a-jwt", clientID: "spa", code: "invalid_grant"},
		{name: "missing", token: "", clientID: "spa", code: "invalid_request"},
		{name: "no client_id", token: first.RefreshToken, clientID: "", code: "invalid_request"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			clock.t = time.Now().Add(tt.advance)
			status, body := refresh(t, base, tt.token, tt.clientID)
			if e := decode[oauthError](t, body); status != 400 || e.Code != tt.code || e.Description == "" {
				t.Errorf("status %d: %s, want 400 %s", status, body, tt.code)
			}
		})
	}
}

// TestRefreshSurvivesRestart: refresh tokens need no server state, so a new
// issuer on the same key file redeems them.
func TestRefreshSurvivesRestart(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	_, srv := serve(t, &Options{KeyFile: keyFile})
	tok := codeTokens(t, srv.URL+issuerPath, "bob")
	srv.Close()

	iss2, err := New(srv.URL+issuerPath, &Options{KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	resp, oerr := iss2.grant(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"spa"}})
	if oerr != nil || resp.AccessToken == "" {
		t.Fatalf("refresh after restart: %v, %+v", oerr, resp)
	}
}
