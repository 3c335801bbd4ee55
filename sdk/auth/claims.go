package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/faaskit/faas/sdk"
)

// decodeClaims decodes a JWT payload keeping numbers as json.Number.
func decodeClaims(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return nil, err
	}
	if claims == nil {
		return nil, errors.New("claims are not a JSON object")
	}
	return claims, nil
}

// checkTimes enforces exp (required), nbf and iat with leeway on both sides.
func checkTimes(claims map[string]any, now time.Time, leeway time.Duration) error {
	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return authError(sdk.CodeUnauthenticated, "token has no valid exp", err)
	}
	if !now.Before(exp.Add(leeway)) {
		return authError(sdk.CodeUnauthenticated, "token expired", nil)
	}
	nbf, ok, err := numericDate(claims, "nbf")
	if err != nil {
		return authError(sdk.CodeUnauthenticated, "token has an invalid nbf", err)
	}
	if ok && now.Add(leeway).Before(nbf) {
		return authError(sdk.CodeUnauthenticated, "token not valid yet", nil)
	}
	iat, ok, err := numericDate(claims, "iat")
	if err != nil {
		return authError(sdk.CodeUnauthenticated, "token has an invalid iat", err)
	}
	if ok && now.Add(leeway).Before(iat) {
		return authError(sdk.CodeUnauthenticated, "token issued in the future", nil)
	}
	return nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly
// fractional). ok is false when the claim is absent.
func numericDate(claims map[string]any, name string) (t time.Time, ok bool, err error) {
	v, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return time.Time{}, false, fmt.Errorf("claim %s is not a number", name)
	}
	f, err := n.Float64()
	if err != nil || math.Abs(f) > 1<<40 {
		return time.Time{}, false, fmt.Errorf("claim %s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// audienceAccepted reports whether "aud" (a string or an array) contains an
// accepted audience, or the client-ID claim, if configured, equals one.
func audienceAccepted(claims map[string]any, accepted []string, clientIDClaim string) bool {
	switch aud := claims["aud"].(type) {
	case string:
		if slices.Contains(accepted, aud) {
			return true
		}
	case []any:
		for _, a := range aud {
			if s, ok := a.(string); ok && slices.Contains(accepted, s) {
				return true
			}
		}
	}
	if clientIDClaim == "" {
		return false
	}
	id, ok := claims[clientIDClaim].(string)
	return ok && slices.Contains(accepted, id)
}

// userFromClaims builds the sdk.User; the user claim must be a non-empty
// string (or a number, which some issuers use for IDs).
func userFromClaims(claims map[string]any, userClaim string) (*sdk.User, error) {
	var id string
	switch v := claims[userClaim].(type) {
	case string:
		id = v
	case json.Number:
		id = v.String()
	}
	if id == "" {
		return nil, authError(sdk.CodeUnauthenticated, "token has no "+userClaim+" claim", nil)
	}
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	return &sdk.User{ID: id, Email: email, Name: name, Claims: claims}, nil
}
