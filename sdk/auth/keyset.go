package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Key-cache policy. go-oidc's RemoteKeySet keeps fetched keys forever and
// fetches the JWKS again whenever a token fails to verify with them; the
// Verifier bounds both.
const (
	// keysMaxAge is how long fetched keys are trusted: after it the JWKS is
	// fetched again, so a key the issuer withdrew (after a compromise, say)
	// stops verifying tokens within this time.
	keysMaxAge = time.Hour
	// jwksMinInterval is the least time between two JWKS requests to the
	// issuer, so that forged tokens (random key IDs, bad signatures) cannot
	// turn every request into a fetch. Within it go-oidc's refetch gets the
	// last response again; a genuinely new key verifies once it has passed.
	jwksMinInterval = 10 * time.Second
)

// keySet is the oidc.KeySet the Verifier uses: go-oidc's RemoteKeySet,
// replaced by a fresh one after keysMaxAge. It also tells a failed JWKS
// fetch apart from a bad signature, which go-oidc's verifier reports alike:
// RemoteKeySet wraps (with %w) only its fetch failures, and keySet records
// them in the fetchFailure that Verify put in the context.
type keySet struct {
	newRemote func() *oidc.RemoteKeySet
	now       func() time.Time

	mu      sync.Mutex
	remote  *oidc.RemoteKeySet
	created time.Time
}

type fetchFailureKey struct{}

// fetchFailure receives a JWKS fetch error during one Verify call.
type fetchFailure struct {
	err error
}

// newKeySet returns a keySet fetching jwksURL with client (nil: the default
// client), at most once per jwksMinInterval.
func newKeySet(jwksURL string, client *http.Client, now func() time.Time) *keySet {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.Transport = &jwksThrottle{base: c.Transport, now: now}
	// The key set lives as long as the Verifier, so it must not inherit a
	// request's context; it only takes the HTTP client from this one.
	ctx := oidc.ClientContext(context.Background(), &c)
	return &keySet{newRemote: func() *oidc.RemoteKeySet { return oidc.NewRemoteKeySet(ctx, jwksURL) }, now: now}
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.current().VerifySignature(ctx, jwt)
	if err != nil && errors.Unwrap(err) != nil {
		if f, ok := ctx.Value(fetchFailureKey{}).(*fetchFailure); ok {
			f.err = fmt.Errorf("jwks: %w", err)
		}
	}
	return payload, err
}

// current returns the remote key set, replacing it (and so its cached keys)
// once it is older than keysMaxAge.
func (k *keySet) current() *oidc.RemoteKeySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now := k.now(); k.remote == nil || now.Sub(k.created) >= keysMaxAge {
		k.remote, k.created = k.newRemote(), now
	}
	return k.remote
}

// epoch returns when the current keys were fetched, and whether they are
// still trusted at now (younger than keysMaxAge): the token cache uses
// entries of this epoch only, so it never trusts a key longer than Verify.
func (k *keySet) epoch(now time.Time) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.created, k.remote != nil && now.Sub(k.created) < keysMaxAge
}

// jwksThrottle is the JWKS client's transport: within jwksMinInterval of
// the last successful fetch it answers with that response's body instead
// of asking the issuer again.
type jwksThrottle struct {
	base http.RoundTripper
	now  func() time.Time

	mu      sync.Mutex
	body    []byte
	header  http.Header
	fetched time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *jwksThrottle) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock() // one fetch at a time; go-oidc already coalesces concurrent ones
	if t.body != nil && t.now().Sub(t.fetched) < jwksMinInterval {
		return t.replay(req), nil
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.body, t.header, t.fetched = body, resp.Header.Clone(), t.now()
	return t.replay(req), nil
}

func (t *jwksThrottle) replay(req *http.Request) *http.Response {
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: t.header.Clone(), Body: io.NopCloser(bytes.NewReader(t.body)), ContentLength: int64(len(t.body)), Request: req,
	}
}
