package devoidc

import (
	"crypto/rand"
	"errors"
	"sync"
	"time"
)

// maxCodes bounds the number of outstanding authorization codes.
const maxCodes = 1000

// codeGrant is what an authorization code stands for.
type codeGrant struct {
	user        string
	clientID    string
	redirectURI string
	challenge   string // the PKCE S256 code challenge
	nonce       string
	expires     time.Time
}

// codeStore holds outstanding single-use authorization codes.
type codeStore struct {
	mu    sync.Mutex
	codes map[string]codeGrant
}

func newCodeStore() *codeStore {
	return &codeStore{codes: map[string]codeGrant{}}
}

// put stores g under a new random code, dropping expired codes first.
func (s *codeStore) put(now time.Time, g codeGrant) (string, error) {
	code := rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, old := range s.codes {
		if !now.Before(old.expires) {
			delete(s.codes, c)
		}
	}
	if len(s.codes) >= maxCodes {
		return "", errors.New("devoidc: too many outstanding authorization codes")
	}
	s.codes[code] = g
	return code, nil
}

// take removes and returns the grant for code. Every attempt consumes the
// code, successful or not, so a code can never be tried twice.
func (s *codeStore) take(code string) (codeGrant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.codes[code]
	delete(s.codes, code)
	return g, ok
}
