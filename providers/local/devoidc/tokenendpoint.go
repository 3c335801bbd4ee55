package devoidc

import (
	"net/http"
	"net/url"
)

// tokenResponse is an RFC 6749 section 5.1 success response.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// serveToken handles POST /token for the password, authorization_code and
// refresh_token grants. The password itself is ignored: any username signs in.
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	form, oerr := parseForm(w, r)
	if oerr == nil {
		var resp *tokenResponse
		if resp, oerr = i.grant(form); oerr == nil {
			w.Header().Set("Pragma", "no-cache")
			writeJSON(w, http.StatusOK, resp)
			return
		}
	}
	status := http.StatusBadRequest
	if oerr.Code == "server_error" {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, oerr)
}

func (i *Issuer) grant(form url.Values) (*tokenResponse, *oauthError) {
	grantType, oerr := param(form, "grant_type", true)
	if oerr != nil {
		return nil, oerr
	}
	switch grantType {
	case "password":
		return i.passwordGrant(form)
	case "authorization_code":
		return i.codeGrant(form)
	case "refresh_token":
		return i.refreshGrant(form)
	}
	return nil, &oauthError{Code: "unsupported_grant_type", Description: "grant_type must be password, authorization_code or refresh_token"}
}

func (i *Issuer) passwordGrant(form url.Values) (*tokenResponse, *oauthError) {
	user, oerr := param(form, "username", true)
	if oerr != nil {
		return nil, oerr
	}
	if !validUsername(user) {
		return nil, invalidRequest("username must be 1-64 characters of A-Z a-z 0-9 . _ @ -")
	}
	return i.respond(user, "", "", false)
}

func (i *Issuer) codeGrant(form url.Values) (*tokenResponse, *oauthError) {
	var code, redirectURI, verifier, clientID string
	for _, p := range []struct {
		name string
		dst  *string
	}{{"code", &code}, {"redirect_uri", &redirectURI}, {"code_verifier", &verifier}, {"client_id", &clientID}} {
		v, oerr := param(form, p.name, true)
		if oerr != nil {
			return nil, oerr
		}
		*p.dst = v
	}
	if !validPKCE(verifier) {
		return nil, invalidRequest("code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~")
	}
	g, ok := i.codes.take(code)
	switch {
	case !ok:
		return nil, invalidGrant("unknown or already used code")
	case !i.now().Before(g.expires):
		return nil, invalidGrant("code expired")
	case g.redirectURI != redirectURI:
		return nil, invalidGrant("redirect_uri does not match the authorization request")
	case g.clientID != clientID:
		return nil, invalidGrant("client_id does not match the authorization request")
	case !s256Matches(verifier, g.challenge):
		return nil, invalidGrant("code_verifier does not match the code_challenge")
	}
	return i.respond(g.user, g.clientID, g.nonce, true)
}

// respond mints the tokens of a successful grant; withRefresh adds a
// refresh token (the code and refresh grants, as Cognito does).
func (i *Issuer) respond(user, clientID, nonce string, withRefresh bool) (*tokenResponse, *oauthError) {
	tok, err := i.mint(user, clientID, nonce)
	if err != nil {
		return nil, &oauthError{Code: "server_error", Description: err.Error()}
	}
	resp := &tokenResponse{AccessToken: tok, IDToken: tok, TokenType: "Bearer", ExpiresIn: int64(i.ttl.Seconds())}
	if withRefresh {
		if resp.RefreshToken, err = i.mintRefresh(user, clientID); err != nil {
			return nil, &oauthError{Code: "server_error", Description: err.Error()}
		}
	}
	return resp, nil
}
