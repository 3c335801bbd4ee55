// Package auth verifies OIDC/JWT bearer tokens for HTTP functions.
//
// A Verifier checks a token's signature against the issuer's JWKS (cached
// for at most an hour, refetched when an unknown key ID appears, and never
// requested more than once per 10 seconds, so forged tokens cannot make
// every request fetch it), its issuer, its audience (or,
// for Cognito access tokens, a client-ID claim) and its exp/nbf/iat times
// with a bounded clock-skew leeway. It works with any OIDC issuer — Cognito,
// Google, Entra ID, Auth0, Keycloak, or the faas dev issuer — by
// configuration alone.
//
// Middleware requires "Authorization: Bearer <jwt>" and stores the verified
// caller with sdk.WithUser, so handlers read it with sdk.UserFrom or
// sdk.UserID. Optional lets anonymous requests through without a user.
//
// NewVerifier makes no network call: discovery and the JWKS fetch happen on
// the first Verify, so cold starts stay fast and the issuer may even be
// served by the same process. A failed discovery is retried on a later call.
package auth
