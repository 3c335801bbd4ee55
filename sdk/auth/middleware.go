package auth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// errNoToken means the request carries no bearer credentials at all.
var errNoToken = &sdk.Error{Code: sdk.CodeUnauthenticated, Message: "auth: bearer token required"}

// Middleware returns middleware that requires "Authorization: Bearer <jwt>".
// On success it stores the user with sdk.WithUser and calls next. A missing
// or invalid token gets a 401 JSON error (sdk.WriteError) with an RFC 6750
// WWW-Authenticate challenge; an unreachable issuer gets a 503 JSON error.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.serve(w, r, next, false)
	})
}

// Optional is like Middleware but lets requests without an Authorization
// header through with no user, for routes that serve anonymous and signed-in
// callers alike. A request that does present a token must present a valid
// one: a bad token is rejected rather than treated as anonymous.
func (v *Verifier) Optional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.serve(w, r, next, true)
	})
}

func (v *Verifier) serve(w http.ResponseWriter, r *http.Request, next http.Handler, optional bool) {
	ctx := r.Context()
	raw, err := bearerToken(r)
	if errors.Is(err, errNoToken) && optional && len(r.Header.Values("Authorization")) == 0 {
		next.ServeHTTP(w, r)
		return
	}
	if err == nil {
		var u *sdk.User
		if u, err = v.Verify(ctx, raw); err == nil {
			next.ServeHTTP(w, r.WithContext(sdk.WithUser(ctx, u)))
			return
		}
	}
	if sdk.CodeOf(err) == sdk.CodeUnavailable {
		sdk.Logger(ctx).Warn("auth: cannot verify token", "error", err)
		w.Header().Set("Retry-After", "5")
	} else {
		sdk.Logger(ctx).Debug("auth: rejected token", "error", err)
		w.Header().Set("WWW-Authenticate", challenge(err))
	}
	sdk.WriteError(w, publicError(err))
}

// bearerToken extracts the token from the Authorization header. It returns
// errNoToken when there is no Bearer credential at all and an unauthenticated
// error when the header is malformed.
func bearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	if len(values) > 1 {
		return "", authError(sdk.CodeUnauthenticated, "multiple Authorization headers", nil)
	}
	if len(values) == 0 {
		return "", errNoToken
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errNoToken
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", authError(sdk.CodeUnauthenticated, "malformed Authorization header", nil)
	}
	return token, nil
}

// challenge returns the WWW-Authenticate value for err. Following RFC 6750
// section 3.1, a request with no bearer credentials gets a bare challenge
// and every other failure gets error="invalid_token".
func challenge(err error) string {
	if errors.Is(err, errNoToken) {
		return "Bearer"
	}
	desc := "invalid token"
	var e *sdk.Error
	if errors.As(err, &e) && e.Message != "" {
		desc = strings.TrimPrefix(e.Message, "auth: ")
	}
	return `Bearer error="invalid_token", error_description="` + quotable(desc) + `"`
}

// quotable drops characters not allowed in an RFC 6750 error_description.
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}
