package devoidc

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultRefreshTTL is the refresh-token lifetime when Options.RefreshTTL is
// zero (Cognito's default is the same 30 days).
const DefaultRefreshTTL = 30 * 24 * time.Hour

// refreshUse is the token_use claim that marks a refresh token.
const refreshUse = "refresh"

// refreshClaims are the claims of a refresh token. Refresh tokens are JWTs
// signed with the issuer's key, so they need no server-side state and
// survive a restart like the key does. Their audience is the token
// endpoint, so an API verifying access tokens for the issuer's audience
// never accepts one.
type refreshClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ClientID string `json:"client_id"`
	Use      string `json:"token_use"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
}

// mintRefresh signs a refresh token for user and clientID.
func (i *Issuer) mintRefresh(user, clientID string) (string, error) {
	now := i.now()
	payload, err := json.Marshal(refreshClaims{
		Issuer: i.url, Subject: user, Audience: i.url + "/token", ClientID: clientID,
		Use: refreshUse, IssuedAt: now.Unix(), Expiry: now.Add(i.refreshTTL).Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("devoidc: encoding refresh claims: %w", err)
	}
	jws, err := i.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("devoidc: signing refresh token: %w", err)
	}
	return jws.CompactSerialize()
}

// parseRefresh verifies a refresh token this issuer signed and returns its
// claims; any failure is an invalid_grant.
func (i *Issuer) parseRefresh(tok string) (refreshClaims, *oauthError) {
	var c refreshClaims
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return c, invalidGrant("refresh_token is not a token this issuer made")
	}
	payload, err := jws.Verify(&i.key.PublicKey)
	if err != nil {
		return c, invalidGrant("refresh_token is not signed by this issuer")
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Use != refreshUse || c.Issuer != i.url || c.Audience != i.url+"/token" {
		return refreshClaims{}, invalidGrant("refresh_token is not a refresh token of this issuer")
	}
	if !i.now().Before(time.Unix(c.Expiry, 0)) {
		return refreshClaims{}, invalidGrant("refresh_token expired; sign in again")
	}
	return c, nil
}

// refreshGrant handles grant_type=refresh_token (RFC 6749 section 6): new
// tokens for the same user and client, and a new refresh token.
func (i *Issuer) refreshGrant(form url.Values) (*tokenResponse, *oauthError) {
	tok, oerr := param(form, "refresh_token", true)
	if oerr != nil {
		return nil, oerr
	}
	clientID, oerr := param(form, "client_id", true)
	if oerr != nil {
		return nil, oerr
	}
	c, oerr := i.parseRefresh(tok)
	if oerr != nil {
		return nil, oerr
	}
	if c.ClientID != clientID {
		return nil, invalidGrant("client_id does not match the refresh token")
	}
	return i.respond(c.Subject, c.ClientID, "", true)
}
