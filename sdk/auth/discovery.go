package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// signingAlgs are the asymmetric algorithms accepted when the issuer does not
// advertise its own list. Symmetric algorithms and "none" are never accepted.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512,
	oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512,
	oidc.EdDSA,
}

// tokenVerifier returns the cached go-oidc verifier, running discovery first
// if no earlier call has succeeded. Concurrent callers wait for one attempt;
// a failed attempt is not cached.
func (v *Verifier) tokenVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	if idv := v.idv.Load(); idv != nil {
		return idv, nil
	}
	select {
	case v.discoverSem <- struct{}{}:
		defer func() { <-v.discoverSem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if idv := v.idv.Load(); idv != nil {
		return idv, nil
	}
	jwksURL, algs, err := v.discover(ctx)
	if err != nil {
		return nil, err
	}
	idv := v.newIDTokenVerifier(jwksURL, algs)
	v.idv.Store(idv)
	return idv, nil
}

// discover fetches the issuer's discovery document and returns its JWKS URL
// and the supported signing algorithms it advertises.
func (v *Verifier) discover(ctx context.Context) (string, []string, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, v.cfg.HTTPClient), v.cfg.Issuer)
	if err != nil {
		return "", nil, fmt.Errorf("discovery: %w", err)
	}
	var meta struct {
		JWKSURL string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return "", nil, fmt.Errorf("discovery: %w", err)
	}
	if meta.JWKSURL == "" {
		return "", nil, errors.New("discovery: document has no jwks_uri")
	}
	var algs []string
	for _, a := range meta.Algs {
		for _, ok := range signingAlgs {
			if a == ok {
				algs = append(algs, a)
			}
		}
	}
	return meta.JWKSURL, algs, nil
}

// newIDTokenVerifier builds a go-oidc verifier over a cached remote key set,
// which it also records for the token cache.
// Audience and time checks are switched off here and done by Verify, which
// supports several audiences, a client-ID claim and a configurable leeway.
func (v *Verifier) newIDTokenVerifier(jwksURL string, algs []string) *oidc.IDTokenVerifier {
	if len(algs) == 0 {
		algs = signingAlgs
	}
	keys := newKeySet(jwksURL, v.cfg.HTTPClient, func() time.Time { return v.now() })
	v.keys.Store(keys)
	return oidc.NewVerifier(v.cfg.Issuer, keys, &oidc.Config{
		SupportedSigningAlgs: algs,
		SkipClientIDCheck:    true,
		SkipExpiryCheck:      true,
	})
}
