package devoidc

import (
	"net/http"
	"net/url"
)

// authRequest holds the parameters of an authorization request.
type authRequest struct {
	ClientID        string
	RedirectURI     string
	State           string
	Challenge       string
	Nonce           string
	Scope           string
	ResponseType    string
	ChallengeMethod string
}

// parseAuthRequest reads and checks the authorization request parameters
// from form (the query for GET, query and body for POST).
func (i *Issuer) parseAuthRequest(form url.Values) (authRequest, *oauthError) {
	var a authRequest
	for _, p := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"response_type", &a.ResponseType, true},
		{"client_id", &a.ClientID, true},
		{"redirect_uri", &a.RedirectURI, true},
		{"code_challenge", &a.Challenge, true},
		{"code_challenge_method", &a.ChallengeMethod, true},
		{"state", &a.State, false},
		{"nonce", &a.Nonce, false},
		{"scope", &a.Scope, false},
	} {
		v, oerr := param(form, p.name, p.required)
		if oerr != nil {
			return a, oerr
		}
		*p.dst = v
	}
	switch {
	case !i.redirectAllowed(a.RedirectURI):
		return a, invalidRequest("redirect_uri must be an http(s) URL on a loopback host or on the issuer's origin")
	case a.ResponseType != "code":
		return a, &oauthError{Code: "unsupported_response_type", Description: "response_type must be code"}
	case a.ChallengeMethod != "S256":
		return a, invalidRequest("code_challenge_method must be S256 (PKCE is required)")
	case len(a.Challenge) != 43 || !validPKCE(a.Challenge):
		return a, invalidRequest("code_challenge must be a base64url SHA-256 hash (43 characters)")
	}
	return a, nil
}

// serveAuthorizePage handles GET /authorize: it shows the sign-in form.
func (i *Issuer) serveAuthorizePage(w http.ResponseWriter, r *http.Request) {
	a, oerr := i.parseAuthRequest(r.URL.Query())
	if oerr != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-in request refused", Error: oerr.Description})
		return
	}
	renderPage(w, http.StatusOK, pageData{Title: "Sign in", Form: true, Hidden: a.hidden()})
}

// serveAuthorizeSubmit handles POST /authorize: it signs the user in and
// redirects to redirect_uri with a code and the state.
func (i *Issuer) serveAuthorizeSubmit(w http.ResponseWriter, r *http.Request) {
	form, oerr := parseForm(w, r)
	if oerr != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-in request refused", Error: oerr.Description})
		return
	}
	a, oerr := i.parseAuthRequest(form)
	if oerr != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-in request refused", Error: oerr.Description})
		return
	}
	user, oerr := param(form, "username", true)
	if oerr == nil && !validUsername(user) {
		oerr = invalidRequest("username must be 1-64 characters of A-Z a-z 0-9 . _ @ -")
	}
	if oerr != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Sign in", Error: oerr.Description, Form: true, Hidden: a.hidden(), Username: user})
		return
	}
	now := i.now()
	code, err := i.codes.put(now, codeGrant{
		user:        user,
		clientID:    a.ClientID,
		redirectURI: a.RedirectURI,
		challenge:   a.Challenge,
		nonce:       a.Nonce,
		expires:     now.Add(codeTTL),
	})
	if err != nil {
		renderPage(w, http.StatusServiceUnavailable, pageData{Title: "Sign-in unavailable", Error: err.Error()})
		return
	}
	u, _ := url.Parse(a.RedirectURI) // checked by parseAuthRequest
	q := u.Query()
	q.Set("code", code)
	if a.State != "" {
		q.Set("state", a.State)
	}
	q.Set("iss", i.url) // RFC 9207
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// hidden returns the request parameters to carry through the sign-in form.
func (a authRequest) hidden() []hiddenField {
	fields := []hiddenField{
		{"response_type", a.ResponseType},
		{"client_id", a.ClientID},
		{"redirect_uri", a.RedirectURI},
		{"code_challenge", a.Challenge},
		{"code_challenge_method", a.ChallengeMethod},
	}
	for _, f := range []hiddenField{{"state", a.State}, {"nonce", a.Nonce}, {"scope", a.Scope}} {
		if f.Value != "" {
			fields = append(fields, f)
		}
	}
	return fields
}
