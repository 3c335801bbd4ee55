package devoidc

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Token mints a signed RS256 JWT for the dev user named user, usable as an
// ID token and as an access token: sub and name are the user name, email is
// user@example.test, aud is the issuer's audience. user must be 1-64
// characters of [A-Za-z0-9._@-].
func (i *Issuer) Token(user string) (string, error) {
	return i.mint(user, "", "")
}

// mint signs a token for user. A non-empty clientID (code flow) is added to
// aud and set as azp; a non-empty nonce is copied into the token.
func (i *Issuer) mint(user, clientID, nonce string) (string, error) {
	if !validUsername(user) {
		return "", errors.New("devoidc: username must be 1-64 characters of A-Z a-z 0-9 . _ @ -")
	}
	now := i.now()
	claims := map[string]any{
		"iss":                i.url,
		"sub":                user,
		"aud":                i.audience,
		"iat":                now.Unix(),
		"exp":                now.Add(i.ttl).Unix(),
		"name":               user,
		"preferred_username": user,
		"email":              user + "@example.test",
		"email_verified":     true,
	}
	if clientID != "" && clientID != i.audience {
		claims["aud"] = []string{i.audience, clientID}
		claims["azp"] = clientID
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("devoidc: encoding claims: %w", err)
	}
	jws, err := i.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("devoidc: signing token: %w", err)
	}
	return jws.CompactSerialize()
}

// validUsername reports whether s is 1-64 characters of [A-Za-z0-9._@-].
func validUsername(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '_' || c == '@' || c == '-':
		default:
			return false
		}
	}
	return true
}
