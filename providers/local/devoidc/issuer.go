package devoidc

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultTokenTTL is the token lifetime when Options.TokenTTL is zero.
const DefaultTokenTTL = 12 * time.Hour

// DefaultAudience is the "aud" of issued tokens when Options.Audience is empty.
const DefaultAudience = "faas-dev"

// codeTTL is how long an authorization code stays redeemable.
const codeTTL = time.Minute

// Options configures an Issuer. The zero value (or nil) is usable.
type Options struct {
	// KeyFile is where the PEM RSA signing key is kept so that tokens
	// survive restarts; a 2048-bit key is generated and written there
	// (mode 0600) if the file is missing. "" means an ephemeral key.
	KeyFile string
	// TokenTTL is the lifetime of issued tokens; zero means DefaultTokenTTL.
	TokenTTL time.Duration
	// RefreshTTL is the lifetime of refresh tokens; zero means
	// DefaultRefreshTTL.
	RefreshTTL time.Duration
	// Audience is the "aud" of issued tokens; "" means DefaultAudience.
	Audience string
	// Now is the clock; nil means time.Now. For tests.
	Now func() time.Time
}

// Issuer is a development OIDC issuer and the http.Handler that serves it.
// It is safe for concurrent use.
type Issuer struct {
	url        string // the issuer URL, without a trailing slash
	path       string // its path, e.g. "/_faas/oidc"
	origin     string // its scheme://host
	audience   string
	ttl        time.Duration
	refreshTTL time.Duration
	now        func() time.Time

	kid    string
	key    *rsa.PrivateKey
	signer jose.Signer
	codes  *codeStore
}

// New returns an Issuer for issuerURL (an absolute http(s) URL such as
// "http://127.0.0.1:8080/_faas/oidc"; a trailing slash is dropped). It loads
// or creates the signing key as opts.KeyFile says.
func New(issuerURL string, opts *Options) (*Issuer, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(strings.TrimSuffix(issuerURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("devoidc: issuer URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("devoidc: issuer URL %q must be an absolute http(s) URL without query, fragment or user info", issuerURL)
	}
	if opts.TokenTTL < 0 || opts.RefreshTTL < 0 {
		return nil, errors.New("devoidc: negative token TTL")
	}
	i := &Issuer{
		url:        u.String(),
		path:       u.Path,
		origin:     u.Scheme + "://" + u.Host,
		audience:   opts.Audience,
		ttl:        opts.TokenTTL,
		refreshTTL: opts.RefreshTTL,
		now:        opts.Now,
		codes:      newCodeStore(),
	}
	if i.audience == "" {
		i.audience = DefaultAudience
	}
	if i.ttl == 0 {
		i.ttl = DefaultTokenTTL
	}
	if i.refreshTTL == 0 {
		i.refreshTTL = DefaultRefreshTTL
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.key, err = loadOrCreateKey(opts.KeyFile); err != nil {
		return nil, err
	}
	if i.kid, err = thumbprint(&i.key.PublicKey); err != nil {
		return nil, err
	}
	i.signer, err = jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: i.key, KeyID: i.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("devoidc: signer: %w", err)
	}
	return i, nil
}

// URL returns the issuer URL: the "iss" of its tokens and the value for
// sdk/auth's Config.Issuer (FAAS_AUTH_ISSUER).
func (i *Issuer) URL() string { return i.url }

// Audience returns the "aud" of its tokens: the value for sdk/auth's
// Config.Audience (FAAS_AUTH_AUDIENCE).
func (i *Issuer) Audience() string { return i.audience }

// ServeHTTP serves the issuer's endpoints. r.URL.Path may carry the issuer
// URL's path as a prefix or may have had it stripped already.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if i.path != "" {
		if rest, ok := strings.CutPrefix(p, i.path); ok && strings.HasPrefix(rest, "/") {
			p = rest
		}
	}
	switch p {
	case "/.well-known/openid-configuration":
		i.cors(w, r, i.serveDiscovery, http.MethodGet, http.MethodHead)
	case "/jwks":
		i.cors(w, r, i.serveJWKS, http.MethodGet, http.MethodHead)
	case "/token":
		i.cors(w, r, i.serveToken, http.MethodPost)
	case "/logout":
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			i.serveLogout(w, r)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		}
	case "/authorize":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			i.serveAuthorizePage(w, r)
		case http.MethodPost:
			i.serveAuthorizeSubmit(w, r)
		default:
			methodNotAllowed(w, http.MethodGet, http.MethodHead, http.MethodPost)
		}
	default:
		http.NotFound(w, r)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow ...string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
