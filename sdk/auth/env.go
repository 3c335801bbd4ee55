package auth

import (
	"fmt"
	"strings"
	"time"
)

// The environment variables read by ConfigFromEnv.
const (
	EnvIssuer        = "FAAS_AUTH_ISSUER"          // Config.Issuer (required)
	EnvAudience      = "FAAS_AUTH_AUDIENCE"        // Config.Audience, comma-separated (required)
	EnvClientIDClaim = "FAAS_AUTH_CLIENT_ID_CLAIM" // Config.ClientIDClaim
	EnvJWKSURL       = "FAAS_AUTH_JWKS_URL"        // Config.JWKSURL
	EnvLeeway        = "FAAS_AUTH_LEEWAY"          // Config.Leeway, a Go duration such as "90s"
	EnvUserClaim     = "FAAS_AUTH_USER_CLAIM"      // Config.UserClaim
)

// ConfigFromEnv builds a Config from the FAAS_AUTH_* variables, read through
// lookup (os.LookupEnv in production). Call it at startup, not per request.
// The returned Config has been validated like NewVerifier would; errors name
// the variable that is missing or bad.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	c := Config{
		Issuer:        get(EnvIssuer),
		ClientIDClaim: get(EnvClientIDClaim),
		JWKSURL:       get(EnvJWKSURL),
		UserClaim:     get(EnvUserClaim),
	}
	if c.Issuer == "" {
		return Config{}, fmt.Errorf("auth: %s is required", EnvIssuer)
	}
	if err := checkURL(c.Issuer); err != nil {
		return Config{}, fmt.Errorf("auth: %s: %w", EnvIssuer, err)
	}
	for _, a := range strings.Split(get(EnvAudience), ",") {
		if a = strings.TrimSpace(a); a != "" {
			c.Audience = append(c.Audience, a)
		}
	}
	if len(c.Audience) == 0 {
		return Config{}, fmt.Errorf("auth: %s is required", EnvAudience)
	}
	if c.JWKSURL != "" {
		if err := checkURL(c.JWKSURL); err != nil {
			return Config{}, fmt.Errorf("auth: %s: %w", EnvJWKSURL, err)
		}
	}
	if s := get(EnvLeeway); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return Config{}, fmt.Errorf("auth: %s: %w", EnvLeeway, err)
		}
		if d < 0 || d > MaxLeeway {
			return Config{}, fmt.Errorf("auth: %s: %v is outside 0..%v", EnvLeeway, d, MaxLeeway)
		}
		c.Leeway = d
	}
	return c, nil
}
