package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b snapshot
		want []string
	}{
		{name: "equal", a: snapshot{"k": "1"}, b: snapshot{"k": "1"}},
		{name: "changed", a: snapshot{"k": "1"}, b: snapshot{"k": "2"}, want: []string{"changed k"}},
		{name: "added and removed", a: snapshot{"x": "1"}, b: snapshot{"y": "1"}, want: []string{"added y", "removed x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := diff(tt.a, tt.b); !slices.Equal(got, tt.want) {
				t.Errorf("diff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	s := &opStats{}
	for i := 100; i >= 1; i-- { // out of order on purpose
		s.add(200, true, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, time.Millisecond}, {50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := s.pct(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestClasses(t *testing.T) {
	at := []attempt{{status: 401}, {status: 400}, {status: 500}, {status: 505}, {status: 0}, {status: 201}}
	got := classString(classes(at))
	want := "2xx 1, 4xx 2, 505 version not supported 1, 5xx 1, closed 1"
	if got != want {
		t.Errorf("classes = %q, want %q", got, want)
	}
}

// TestJWTAttacksAreForged checks that no attack is the genuine token
// itself, and that each carries what its name says where that can be
// read back from the token.
func TestJWTAttacksAreForged(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h := map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}
	c := map[string]any{"iss": "http://127.0.0.1:1/_faas/oidc", "sub": "alice", "aud": "faas-dev", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	good := sign(h, c, rs(key, crypto.SHA256))
	attacks, err := jwtAttacks(good, key, c["iss"].(string), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(attacks) < 50 {
		t.Errorf("%d attacks, want at least 50", len(attacks))
	}
	for _, a := range attacks {
		if a.token == good {
			t.Errorf("%s: sends the genuine token unchanged", a.name)
		}
		hdr, claims, err := jwtParts(a.token)
		if err != nil {
			continue // malformed on purpose
		}
		switch {
		case strings.HasPrefix(a.name, "alg "):
			if alg := hdr["alg"].(string); !strings.EqualFold(alg, "none") {
				t.Errorf("%s: alg %q", a.name, alg)
			}
		case a.name == "wrong issuer":
			if claims["iss"] == c["iss"] {
				t.Errorf("%s: issuer unchanged", a.name)
			}
		case a.name == "nbf in an hour":
			if nbf, _ := claims["nbf"].(float64); int64(nbf) <= now.Unix() {
				t.Errorf("%s: nbf %v", a.name, claims["nbf"])
			}
		}
	}
}
