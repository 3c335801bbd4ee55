package auth

import (
	"crypto/sha256"
	"maps"
	"sync"
	"time"

	"github.com/faaskit/faas/sdk"
)

// tokenCacheSize bounds how many verified tokens a Verifier remembers.
// Only tokens that verified are stored, so a stream of forged tokens
// cannot fill it; at this size it holds a few MB at most.
const tokenCacheSize = 4096

// tokenCache remembers the users of tokens that verified, so that a client
// sending the same token again skips the signature check and the claim
// decoding. An entry is keyed by the SHA-256 of the whole token (so any
// other token, even with the same claims, is verified afresh) and is used
// only while
//   - the token is unexpired by the same rule as Verify (exp plus leeway),
//     and
//   - the key set that verified it is still the Verifier's current one:
//     the cache never outlives keysMaxAge, after which Verify would check
//     the token against freshly fetched keys.
//
// nbf and iat need no re-check: a token that was valid for them stays so.
type tokenCache struct {
	max int

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]cacheEntry
}

type cacheEntry struct {
	user  *sdk.User
	until time.Time // exp + leeway: unusable from this instant on
	epoch time.Time // when the key set that verified it was fetched
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, entries: make(map[[sha256.Size]byte]cacheEntry)}
}

// get returns a copy of the user of the token hashed to key, if it
// verified under the key set of epoch and is unexpired at now.
func (c *tokenCache) get(key [sha256.Size]byte, epoch, now time.Time) (*sdk.User, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) || !e.epoch.Equal(epoch) {
		c.mu.Lock()
		if cur, ok := c.entries[key]; ok && cur == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
		return nil, false
	}
	return copyUser(e.user), true
}

// put remembers u for the token hashed to key until until. When the cache
// is full it first drops expired entries, then an arbitrary eighth.
func (c *tokenCache) put(key [sha256.Size]byte, u *sdk.User, until, epoch, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		drop := len(c.entries) - c.max + max(1, c.max/8)
		for k := range c.entries {
			if drop <= 0 {
				break
			}
			delete(c.entries, k)
			drop--
		}
	}
	c.entries[key] = cacheEntry{user: copyUser(u), until: until, epoch: epoch}
}

// copyUser copies u and its claim map, so that a handler changing the
// user it was given changes nobody else's.
func copyUser(u *sdk.User) *sdk.User {
	c := *u
	c.Claims = maps.Clone(u.Claims)
	return &c
}
