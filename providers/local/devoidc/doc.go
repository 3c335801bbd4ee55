// Package devoidc is a development OpenID Connect issuer, so that the same
// sdk/auth middleware that verifies Cognito, Google or Entra ID tokens in the
// cloud runs unchanged under `faas dev`.
//
// It is for local development only: it signs a token for any username
// without a password. The local runtime is its only user and mounts it under
// a path such as http://127.0.0.1:8080/_faas/oidc; nothing else should ever
// serve it.
//
// Endpoints, relative to the issuer URL:
//
//	GET  /.well-known/openid-configuration   discovery document
//	GET  /jwks                               the signing key (kid = RFC 7638 thumbprint)
//	POST /token                              grant_type=password (username only),
//	                                         grant_type=authorization_code with PKCE S256, or
//	                                         grant_type=refresh_token
//	GET  /authorize                          HTML sign-in page (code flow, PKCE required)
//	POST /authorize                          signs in and redirects with code and state
//	GET  /logout                             end session (RP-initiated logout): back to
//	                                         post_logout_redirect_uri with the state
//
// The code grant also returns a refresh token: a JWT signed with the issuer's
// key (no server state, so it survives a restart with the key file), with the
// token endpoint as its audience so that no API accepts it as an access token.
// The HTML pages pass an axe-core scan with no violations (the to-do app's
// browser tests check it).
//
// The curl-friendly way to get a token:
//
//	curl -s -X POST http://127.0.0.1:8080/_faas/oidc/token -d grant_type=password -d username=alice
//
// # Mounting
//
// ServeHTTP accepts both the full path (issuer path + endpoint, as when the
// Issuer is mounted with mux.Handle(path+"/", issuer)) and the bare endpoint
// path (as when it is wrapped in http.StripPrefix). The issuer URL given to
// New is the one written into tokens and the discovery document, so it must
// be the URL clients use.
package devoidc
