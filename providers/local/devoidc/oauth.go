package devoidc

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
)

// maxFormBytes bounds request bodies.
const maxFormBytes = 64 << 10

// oauthError is an RFC 6749 section 5.2 error response.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func invalidRequest(format string, args ...any) *oauthError {
	return &oauthError{Code: "invalid_request", Description: fmt.Sprintf(format, args...)}
}

func invalidGrant(format string, args ...any) *oauthError {
	return &oauthError{Code: "invalid_grant", Description: fmt.Sprintf(format, args...)}
}

// parseForm reads a POSTed application/x-www-form-urlencoded body, ignoring
// the query string.
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("malformed form body")
	}
	return r.PostForm, nil
}

// param returns the single value of name; a repeated parameter is an error
// (RFC 6749 section 3.1), and so is a missing one when required.
func param(form url.Values, name string, required bool) (string, *oauthError) {
	vs := form[name]
	switch {
	case len(vs) > 1:
		return "", invalidRequest("%s given more than once", name)
	case len(vs) == 0 || vs[0] == "":
		if required {
			return "", invalidRequest("%s is required", name)
		}
		return "", nil
	}
	return vs[0], nil
}

// validPKCE reports whether s is 43-128 characters of the RFC 7636 unreserved
// set, the shape of both code verifiers and S256 challenges (43 characters).
func validPKCE(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~':
		default:
			return false
		}
	}
	return true
}

// s256Matches reports whether verifier hashes to challenge (RFC 7636 S256).
func s256Matches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
