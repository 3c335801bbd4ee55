package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// DefaultLeeway is the clock skew allowed for exp, nbf and iat when
// Config.Leeway is zero.
const DefaultLeeway = time.Minute

// MaxLeeway is the largest Config.Leeway that NewVerifier accepts.
const MaxLeeway = 5 * time.Minute

// DefaultUserClaim is the claim that holds the user ID when Config.UserClaim
// is empty.
const DefaultUserClaim = "sub"

// Config configures a Verifier.
type Config struct {
	// Issuer is the issuer URL; it must equal the tokens' "iss" claim
	// exactly. Required. Discovery reads
	// Issuer+"/.well-known/openid-configuration" unless JWKSURL is set.
	Issuer string
	// Audience lists the accepted audiences; at least one is required. A
	// token is accepted if its "aud" contains one of them, or if the claim
	// named by ClientIDClaim equals one of them.
	Audience []string
	// ClientIDClaim names a claim that may carry the audience instead of
	// "aud", e.g. "client_id" for Cognito access tokens, which have no aud.
	// Optional.
	ClientIDClaim string
	// JWKSURL, if set, skips discovery and fetches keys from this URL (for
	// issuers with a missing or broken discovery document). Optional.
	JWKSURL string
	// Leeway is the clock skew allowed for exp, nbf and iat. Zero means
	// DefaultLeeway; negative values and values above MaxLeeway are invalid.
	Leeway time.Duration
	// UserClaim names the claim holding the user ID. Empty means "sub".
	UserClaim string
	// HTTPClient is used for discovery and JWKS requests. Nil means a client
	// with a 10-second timeout.
	HTTPClient *http.Client
}

// withDefaults returns a copy of c with empty fields defaulted and the
// Audience slice copied, so later changes by the caller have no effect.
func (c Config) withDefaults() Config {
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.UserClaim == "" {
		c.UserClaim = DefaultUserClaim
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	c.Audience = append([]string(nil), c.Audience...)
	return c
}

// validate reports the first problem with c, which must already have its
// defaults applied.
func (c Config) validate() error {
	if c.Issuer == "" {
		return errors.New("issuer is required")
	}
	if err := checkURL(c.Issuer); err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	if c.JWKSURL != "" {
		if err := checkURL(c.JWKSURL); err != nil {
			return fmt.Errorf("JWKS URL: %w", err)
		}
	}
	if len(c.Audience) == 0 {
		return errors.New("at least one audience is required")
	}
	for _, a := range c.Audience {
		if a == "" {
			return errors.New("audience must not contain empty values")
		}
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		return fmt.Errorf("leeway %v is outside 0..%v", c.Leeway, MaxLeeway)
	}
	return nil
}

// checkURL accepts absolute http and https URLs with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}
