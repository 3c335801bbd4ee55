package devoidc

import (
	"net/http"
	"net/url"

	jose "github.com/go-jose/go-jose/v4"
)

// serveLogout handles the end-session endpoint (OpenID Connect RP-Initiated
// Logout 1.0) by GET or form POST. The dev issuer keeps no sign-in session
// (every sign-in shows the form), so there is nothing to end here: it checks
// the request and sends the browser back to post_logout_redirect_uri with
// the state, or shows a "signed out" page when there is none.
func (i *Issuer) serveLogout(w http.ResponseWriter, r *http.Request) {
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		var oerr *oauthError
		if form, oerr = parseForm(w, r); oerr != nil {
			renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-out request refused", Error: oerr.Description})
			return
		}
	}
	redirect, state, oerr := i.parseLogout(form)
	if oerr != nil {
		renderPage(w, http.StatusBadRequest, pageData{Title: "Sign-out request refused", Error: oerr.Description})
		return
	}
	if redirect == "" {
		renderPage(w, http.StatusOK, pageData{Title: "Signed out", Message: "You are signed out of the faas dev issuer. You can close this page."})
		return
	}
	u, _ := url.Parse(redirect) // checked by parseLogout
	if state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// parseLogout checks the end-session parameters: post_logout_redirect_uri
// must be a redirect this issuer allows, and id_token_hint, when given, a
// token it signed (expired ones included, as the spec allows).
func (i *Issuer) parseLogout(form url.Values) (redirect, state string, oerr *oauthError) {
	var hint string
	for _, p := range []struct {
		name string
		dst  *string
	}{{"post_logout_redirect_uri", &redirect}, {"state", &state}, {"id_token_hint", &hint}} {
		if *p.dst, oerr = param(form, p.name, false); oerr != nil {
			return "", "", oerr
		}
	}
	if redirect != "" && !i.redirectAllowed(redirect) {
		return "", "", invalidRequest("post_logout_redirect_uri must be an http(s) URL on a loopback host or on the issuer's origin")
	}
	if hint != "" && !i.signedByMe(hint) {
		return "", "", invalidRequest("id_token_hint is not a token this issuer signed")
	}
	return redirect, state, nil
}

// signedByMe reports whether tok is a compact JWS signed with this issuer's key.
func (i *Issuer) signedByMe(tok string) bool {
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return false
	}
	_, err = jws.Verify(&i.key.PublicKey)
	return err == nil
}
