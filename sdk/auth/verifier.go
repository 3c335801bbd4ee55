package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/faaskit/faas/sdk"
)

// Verifier verifies bearer tokens from one issuer. It is safe for concurrent
// use; create one per process and share it.
type Verifier struct {
	cfg Config
	now func() time.Time

	// idv is set once discovery (or the static JWKS URL) has produced a
	// go-oidc verifier; until then discoverSem serializes attempts.
	idv         atomic.Pointer[oidc.IDTokenVerifier]
	keys        atomic.Pointer[keySet] // idv's key set
	discoverSem chan struct{}

	cache *tokenCache
}

// NewVerifier validates cfg and returns a Verifier. It makes no network
// call: discovery and the JWKS fetch happen on the first Verify, are cached,
// and a failed discovery is retried on a later call.
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	v := &Verifier{cfg: cfg, now: time.Now, discoverSem: make(chan struct{}, 1), cache: newTokenCache(tokenCacheSize)}
	if cfg.JWKSURL != "" {
		v.idv.Store(v.newIDTokenVerifier(cfg.JWKSURL, nil))
	}
	return v, nil
}

// Verify checks rawToken — signature, issuer, audience (or client-ID claim)
// and exp/nbf/iat with the configured leeway — and returns its user. ID comes
// from the configured user claim; Claims holds every claim, with numbers as
// json.Number (so large integers keep their precision) and arrays as []any.
//
// Errors are *sdk.Error values: CodeUnauthenticated for a bad token,
// CodeUnavailable when the issuer's discovery document or JWKS cannot be
// fetched. Their Message is safe to show to clients; the cause is in Err.
//
// A token that verified is remembered (by its SHA-256, in a bounded cache)
// until its exp plus leeway, or until the keys that verified it are
// fetched again, whichever comes first; meanwhile the same token is
// accepted without checking it again. Each call returns its own copy of
// the user.
func (v *Verifier) Verify(ctx context.Context, rawToken string) (*sdk.User, error) {
	if strings.Count(rawToken, ".") != 2 {
		return nil, authError(sdk.CodeUnauthenticated, "malformed token", nil)
	}
	now := v.now()
	key := sha256.Sum256([]byte(rawToken))
	// The epoch is read before verifying, so that a token verified just as
	// the keys were replaced is cached under the old epoch and not reused.
	var epoch time.Time
	ks := v.keys.Load()
	if ks != nil {
		var fresh bool
		if epoch, fresh = ks.epoch(now); fresh {
			if u, ok := v.cache.get(key, epoch, now); ok {
				return u, nil
			}
		}
	}
	u, exp, err := v.verify(ctx, rawToken)
	if err == nil && ks != nil {
		v.cache.put(key, u, exp.Add(v.cfg.Leeway), epoch, now)
	}
	return u, err
}

// verify is Verify without the cache; it also returns the token's expiry.
func (v *Verifier) verify(ctx context.Context, rawToken string) (*sdk.User, time.Time, error) {
	idv, err := v.tokenVerifier(ctx)
	if err != nil {
		return nil, time.Time{}, authError(sdk.CodeUnavailable, "token issuer unavailable", err)
	}
	fetch := &fetchFailure{}
	tok, err := idv.Verify(context.WithValue(ctx, fetchFailureKey{}, fetch), rawToken)
	if fetch.err != nil {
		return nil, time.Time{}, authError(sdk.CodeUnavailable, "token issuer unavailable", fetch.err)
	}
	if err != nil {
		return nil, time.Time{}, authError(sdk.CodeUnauthenticated, "invalid token", err)
	}
	var raw json.RawMessage
	if err := tok.Claims(&raw); err != nil {
		return nil, time.Time{}, authError(sdk.CodeUnauthenticated, "invalid token claims", err)
	}
	claims, err := decodeClaims(raw)
	if err != nil {
		return nil, time.Time{}, authError(sdk.CodeUnauthenticated, "invalid token claims", err)
	}
	if err := checkTimes(claims, v.now(), v.cfg.Leeway); err != nil {
		return nil, time.Time{}, err
	}
	if !audienceAccepted(claims, v.cfg.Audience, v.cfg.ClientIDClaim) {
		return nil, time.Time{}, authError(sdk.CodeUnauthenticated, "token audience not accepted", nil)
	}
	u, err := userFromClaims(claims, v.cfg.UserClaim)
	if err != nil {
		return nil, time.Time{}, err
	}
	exp, _, _ := numericDate(claims, "exp") // checkTimes made sure it is there
	return u, exp, nil
}

// authError returns an *sdk.Error whose Message ("auth: " + msg) is safe to
// show to clients and whose Err keeps the detailed cause for logs.
func authError(code sdk.Code, msg string, cause error) error {
	return &sdk.Error{Code: code, Message: "auth: " + msg, Err: cause}
}

// publicError strips the cause from err so that only its code and public
// message reach the client.
func publicError(err error) error {
	var e *sdk.Error
	if errors.As(err, &e) {
		return &sdk.Error{Code: e.Code, Message: e.Message}
	}
	return &sdk.Error{Code: sdk.CodeUnauthenticated, Message: "auth: invalid token"}
}
