package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/faaskit/faas/sdk"
	jose "github.com/go-jose/go-jose/v4"
)

// cachedVerifier returns a Verifier for ti on an injected clock, with good
// (exp in ttl) verified once, so that it is cached.
func cachedVerifier(t *testing.T, ti *testIssuer, ttl time.Duration) (*Verifier, *testClock, string, map[string]any) {
	t.Helper()
	v := newTestVerifier(t, ti, Config{})
	clock := &testClock{}
	v.now = clock.now
	claims := ti.claims()
	claims["exp"] = unix(ttl)
	good := ti.sign(t, claims)
	for range 2 { // the first call runs discovery, after which tokens are cached
		if _, err := v.Verify(context.Background(), good); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.cache.entries); n != 1 {
		t.Fatalf("cache holds %d entries after verifying one token, want 1", n)
	}
	return v, clock, good, claims
}

// refuseAll makes every signature check fail from now on, so only cached
// tokens can verify.
func refuseAll(v *Verifier) {
	v.idv.Store(oidc.NewVerifier(v.cfg.Issuer, &oidc.StaticKeySet{}, &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true}))
}

func TestVerifyCacheServesTheSameToken(t *testing.T) {
	ti := newTestIssuer(t)
	v, _, good, claims := cachedVerifier(t, ti, time.Hour)
	fresh := ti.sign(t, claims) // ES256 signatures differ: another token, same claims
	refuseAll(v)
	u, err := v.Verify(context.Background(), good)
	if err != nil {
		t.Fatalf("cached token: %v", err)
	}
	if u.ID != "user-123" || u.Email != "alice@example.test" {
		t.Errorf("cached user = %+v", u)
	}
	if _, err := v.Verify(context.Background(), fresh); sdk.CodeOf(err) != sdk.CodeUnauthenticated {
		t.Errorf("another token with the same claims was not verified afresh: err = %v", err)
	}
}

func TestVerifyCacheStopsAtExpiry(t *testing.T) {
	ti := newTestIssuer(t)
	v, clock, good, _ := cachedVerifier(t, ti, 10*time.Minute)
	clock.advance(10*time.Minute + DefaultLeeway - 2*time.Second)
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("just before exp+leeway: %v", err)
	}
	clock.advance(3 * time.Second)
	_, err := v.Verify(context.Background(), good)
	if sdk.CodeOf(err) != sdk.CodeUnauthenticated {
		t.Fatalf("cached token past exp+leeway: err = %v, want unauthenticated", err)
	}
	if n := len(v.cache.entries); n != 0 {
		t.Errorf("expired entry kept: %d entries", n)
	}
}

func TestVerifyCacheSameClaimsOtherKey(t *testing.T) {
	ti := newTestIssuer(t)
	v, _, _, claims := cachedVerifier(t, ti, time.Hour)
	stranger := newTestKey(t, "key-1") // the issuer's kid, another key
	forged := signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: stranger.priv, KeyID: stranger.kid}}, claims)
	if _, err := v.Verify(context.Background(), forged); sdk.CodeOf(err) != sdk.CodeUnauthenticated {
		t.Errorf("same claims signed by another key: err = %v, want unauthenticated", err)
	}
	again := ti.sign(t, claims)
	if _, err := v.Verify(context.Background(), again); err != nil {
		t.Fatalf("same claims re-signed by the issuer: %v", err)
	}
	if n := len(v.cache.entries); n != 2 {
		t.Errorf("cache holds %d entries, want 2 (the forged token is never stored)", n)
	}
}

// TestVerifyCacheFollowsKeyRefresh checks that a cached token is checked
// again once the keys that verified it are keysMaxAge old, like an
// uncached one (TestVerifyWithdrawnKeyExpires covers the withdrawn key).
func TestVerifyCacheFollowsKeyRefresh(t *testing.T) {
	ti := newTestIssuer(t)
	v, clock, good, _ := cachedVerifier(t, ti, 3*keysMaxAge)
	refuseAll(v)
	clock.advance(keysMaxAge - time.Minute)
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("within keysMaxAge: %v", err)
	}
	clock.advance(2 * time.Minute)
	if _, err := v.Verify(context.Background(), good); sdk.CodeOf(err) != sdk.CodeUnauthenticated {
		t.Errorf("after keysMaxAge the cached entry was used: err = %v", err)
	}
}

func TestVerifyCacheReturnsCopies(t *testing.T) {
	ti := newTestIssuer(t)
	v, _, good, _ := cachedVerifier(t, ti, time.Hour)
	u, err := v.Verify(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	u.ID, u.Claims["sub"] = "mallory", "mallory"
	u2, err := v.Verify(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	if u2.ID != "user-123" || u2.Claims["sub"] != "user-123" {
		t.Errorf("a caller's change reached the cache: %+v", u2)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	now := time.Now()
	key := func(i int) [sha256.Size]byte { return sha256.Sum256(fmt.Appendf(nil, "token-%d", i)) }
	u := &sdk.User{ID: "u"}
	tests := []struct {
		name      string
		expired   int // entries already past their expiry when the cache fills
		live      int
		wantAfter int
		liveKept  bool
	}{
		{name: "expired entries go first", expired: 7, live: 1, wantAfter: 2, liveKept: true},
		{name: "all live: an eighth goes", live: 8, wantAfter: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTokenCache(8)
			i := 0
			for ; i < tt.expired; i++ {
				c.put(key(i), u, now.Add(-time.Second), now, now.Add(-time.Minute))
			}
			for ; i < tt.expired+tt.live; i++ {
				c.put(key(i), u, now.Add(time.Hour), now, now)
			}
			c.put(key(1000), u, now.Add(time.Hour), now, now)
			if len(c.entries) != tt.wantAfter {
				t.Errorf("%d entries, want %d", len(c.entries), tt.wantAfter)
			}
			if _, ok := c.get(key(1000), now, now); !ok {
				t.Error("the new entry is missing")
			}
			if _, ok := c.get(key(tt.expired), now, now); tt.liveKept && !ok {
				t.Error("a live entry was dropped while expired ones were there")
			}
		})
	}
	c := newTokenCache(8)
	for i := range 1000 {
		c.put(key(i), u, now.Add(time.Hour), now, now)
		if len(c.entries) > 8 {
			t.Fatalf("%d entries after %d puts; the bound is 8", len(c.entries), i+1)
		}
	}
}

// BenchmarkVerify compares a token checked from scratch with the same
// token served from the cache.
func BenchmarkVerify(b *testing.B) {
	ti := newTestIssuer(b)
	v := newTestVerifier(b, ti, Config{})
	tok := signWith(b, jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: ti.current.priv, KeyID: ti.current.kid}}, ti.claims())
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := v.verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
