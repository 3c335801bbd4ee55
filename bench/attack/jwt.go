package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

var b64 = base64.RawURLEncoding

// jwtParts splits a compact JWS into its decoded header and claims.
func jwtParts(tok string) (header, claims map[string]any, err error) {
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := b64.DecodeString(p[i])
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return nil, nil, err
		}
	}
	return header, claims, nil
}

func enc(v any) string {
	b, _ := json.Marshal(v)
	return b64.EncodeToString(b)
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// signer makes the signature of a JWS signing input.
type signer func(input []byte) []byte

func rs(key *rsa.PrivateKey, h crypto.Hash) signer {
	return func(in []byte) []byte {
		d := h.New()
		d.Write(in)
		s, _ := rsa.SignPKCS1v15(rand.Reader, key, h, d.Sum(nil))
		return s
	}
}

func ps(key *rsa.PrivateKey) signer {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, _ := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], nil)
		return s
	}
}

func es256(key *ecdsa.PrivateKey) signer {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		r, s, _ := ecdsa.Sign(rand.Reader, key, d[:])
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
}

func hs(secret []byte, h func() hash.Hash) signer {
	return func(in []byte) []byte {
		m := hmac.New(h, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

func none(in []byte) []byte { return nil }

func sign(header, claims map[string]any, s signer) string {
	in := enc(header) + "." + enc(claims)
	return in + "." + b64.EncodeToString(s([]byte(in)))
}

// devKey reads the dev issuer's signing key from the data directory, so
// that claim attacks carry a genuine signature and test the claim checks
// themselves rather than the signature check again.
func devKey(dataDir string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "oidc-key.pem"))
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("attack: oidc-key.pem holds no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("attack: the dev key is not RSA")
	}
	return rk, nil
}

// attempt is one request whose answer is recorded.
type attempt struct {
	name   string
	status int // 0: connection closed without an answer
	err    error
	note   string
}

// jwtAttack is one forged or misused credential.
type jwtAttack struct {
	name   string
	token  string            // sent as "Authorization: Bearer <token>" unless header is set
	header map[string]string // replaces the Authorization header
	path   string            // default /api/me
}

// jwtAttacks builds the attacks from a genuine token for alice.
func jwtAttacks(good string, key *rsa.PrivateKey, issuer string, now time.Time) ([]jwtAttack, error) {
	h, c, err := jwtParts(good)
	if err != nil {
		return nil, err
	}
	kid, _ := h["kid"].(string)
	attacker, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	jwkJSON, _ := json.Marshal(map[string]string{"kty": "RSA", "kid": kid, "n": b64.EncodeToString(key.N.Bytes()), "e": "AQAB"})
	real := rs(key, crypto.SHA256)
	parts := strings.Split(good, ".")

	hdr := func(mod func(map[string]any)) map[string]any {
		x := clone(h)
		if mod != nil {
			mod(x)
		}
		return x
	}
	cl := func(mod func(map[string]any)) map[string]any {
		x := clone(c)
		if mod != nil {
			mod(x)
		}
		return x
	}
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	var a []jwtAttack
	add := func(name, tok string) { a = append(a, jwtAttack{name: name, token: tok}) }

	// Missing and malformed credentials.
	a = append(a, jwtAttack{name: "no Authorization header", header: map[string]string{}})
	a = append(a, jwtAttack{name: "empty bearer", header: map[string]string{"Authorization": "Bearer "}})
	a = append(a, jwtAttack{name: "Basic scheme with the good token", header: map[string]string{"Authorization": "Basic " + good}})
	a = append(a, jwtAttack{name: "token in the query string", header: map[string]string{}, path: "/api/me?access_token=" + good})
	a = append(a, jwtAttack{name: "token in a cookie", header: map[string]string{"Cookie": "access_token=" + good}})
	a = append(a, jwtAttack{name: "good token then a space and junk", header: map[string]string{"Authorization": "Bearer " + good + " junk"}})
	add("garbage", "abc")
	add("two parts", parts[0]+"."+parts[1])
	add("four parts", good+".x")
	add("five parts (JWE shape)", good+".x.y")
	add("signature removed", parts[0]+"."+parts[1]+".")
	add("invalid base64 in the payload", parts[0]+".!!!!."+parts[2])
	add("header not JSON", b64.EncodeToString([]byte("nope"))+"."+parts[1]+"."+parts[2])

	// Algorithm confusion.
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		add("alg "+alg, sign(hdr(func(x map[string]any) { x["alg"] = alg }), c, none))
	}
	add("alg none keeping the genuine signature", enc(hdr(func(x map[string]any) { x["alg"] = "none" }))+"."+parts[1]+"."+parts[2])
	add("alg none, sub bob", sign(hdr(func(x map[string]any) { x["alg"] = "none" }), cl(func(x map[string]any) { x["sub"] = "bob" }), none))
	hsHdr := func(alg string) map[string]any { return hdr(func(x map[string]any) { x["alg"] = alg }) }
	add("HS256 keyed with the public key (PEM)", sign(hsHdr("HS256"), c, hs(pubPEM, sha256.New)))
	add("HS256 keyed with the public key (PKCS#1 PEM)", sign(hsHdr("HS256"), c, hs(pkcs1PEM, sha256.New)))
	add("HS256 keyed with the public key (DER)", sign(hsHdr("HS256"), c, hs(pubDER, sha256.New)))
	add("HS256 keyed with the JWK JSON", sign(hsHdr("HS256"), c, hs(jwkJSON, sha256.New)))
	add("HS256 keyed with the modulus", sign(hsHdr("HS256"), c, hs(key.N.Bytes(), sha256.New)))
	add("HS384 keyed with the public key (PEM)", sign(hsHdr("HS384"), c, hs(pubPEM, sha512.New384)))
	add("HS512 keyed with the public key (PEM)", sign(hsHdr("HS512"), c, hs(pubPEM, sha512.New)))
	add("HS256 with an empty key", sign(hsHdr("HS256"), c, hs(nil, sha256.New)))

	// Other keys.
	add("RS256 by another key, the issuer's kid", sign(h, c, rs(attacker, crypto.SHA256)))
	add("RS256 by another key, no kid", sign(hdr(func(x map[string]any) { delete(x, "kid") }), c, rs(attacker, crypto.SHA256)))
	add("RS256 by another key, unknown kid", sign(hdr(func(x map[string]any) { x["kid"] = "attacker" }), c, rs(attacker, crypto.SHA256)))
	add("PS256 by another key", sign(hdr(func(x map[string]any) { x["alg"] = "PS256" }), c, ps(attacker)))
	add("ES256 by another key", sign(hdr(func(x map[string]any) { x["alg"] = "ES256"; x["kid"] = "ec" }), c, es256(ecKey)))
	add("embedded jwk header with the attacker's key", sign(hdr(func(x map[string]any) {
		x["jwk"] = map[string]string{"kty": "RSA", "n": b64.EncodeToString(attacker.N.Bytes()), "e": "AQAB", "kid": kid}
	}), c, rs(attacker, crypto.SHA256)))
	add("jku header to an attacker JWKS", sign(hdr(func(x map[string]any) { x["jku"] = "http://127.0.0.1:9/jwks.json" }), c, rs(attacker, crypto.SHA256)))
	add("x5u header to an attacker certificate", sign(hdr(func(x map[string]any) { x["x5u"] = "http://127.0.0.1:9/cert.pem" }), c, rs(attacker, crypto.SHA256)))
	add("x5c header with a self-signed certificate", sign(hdr(func(x map[string]any) { x["x5c"] = []string{selfSigned(attacker)} }), c, rs(attacker, crypto.SHA256)))
	add("genuine key, unknown kid", sign(hdr(func(x map[string]any) { x["kid"] = "not-a-key" }), c, real))
	for _, k := range []string{"../../../../../../dev/null", "../oidc-key.pem", "/etc/passwd", "' OR '1'='1", "kid\x00", strings.Repeat("k", 10000)} {
		add(fmt.Sprintf("kid %.30q, HS256 with an empty key", k), sign(hdr(func(x map[string]any) { x["kid"] = k; x["alg"] = "HS256" }), c, hs(nil, sha256.New)))
	}
	add("crit header the verifier does not know", sign(hdr(func(x map[string]any) { x["crit"] = []string{"exp"}; x["exp"] = 1 }), c, real))
	add("b64=false unencoded payload", sign(hdr(func(x map[string]any) { x["b64"] = false; x["crit"] = []string{"b64"} }), c, real))

	// Tampering with a genuine token.
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	add("tampered signature (one character)", parts[0]+"."+parts[1]+"."+flip(parts[2], len(parts[2])/2))
	add("truncated signature", parts[0]+"."+parts[1]+"."+parts[2][:len(parts[2])-10])
	add("payload sub=bob with alice's signature", parts[0]+"."+enc(cl(func(x map[string]any) { x["sub"] = "bob" }))+"."+parts[2])
	add("payload exp extended with the old signature", parts[0]+"."+enc(cl(func(x map[string]any) { x["exp"] = at(100 * 24 * time.Hour) }))+"."+parts[2])
	add("header changed (extra field) with the old signature", enc(hdr(func(x map[string]any) { x["x"] = 1 }))+"."+parts[1]+"."+parts[2])
	add("signature of another genuine token (bob's claims)", parts[0]+"."+enc(cl(func(x map[string]any) { x["sub"] = "bob"; x["name"] = "bob" }))+"."+strings.Split(sign(h, cl(func(x map[string]any) { x["sub"] = "carol" }), real), ".")[2])

	// Claims, signed with the genuine key.
	claim := func(name string, mod func(map[string]any)) { add(name, sign(h, cl(mod), real)) }
	claim("wrong issuer", func(x map[string]any) { x["iss"] = "https://evil.example" })
	claim("issuer with a trailing slash", func(x map[string]any) { x["iss"] = issuer + "/" })
	claim("issuer spelled localhost", func(x map[string]any) { x["iss"] = strings.Replace(issuer, "127.0.0.1", "localhost", 1) })
	claim("issuer missing", func(x map[string]any) { delete(x, "iss") })
	claim("wrong audience", func(x map[string]any) { x["aud"] = "other-app" })
	claim("audience array without ours", func(x map[string]any) { x["aud"] = []string{"a", "b"} })
	claim("audience empty", func(x map[string]any) { x["aud"] = "" })
	claim("audience missing", func(x map[string]any) { delete(x, "aud") })
	claim("audience as client_id only", func(x map[string]any) { x["client_id"] = x["aud"]; delete(x, "aud") })
	claim("expired an hour ago", func(x map[string]any) { x["exp"] = at(-time.Hour) })
	claim("expired 5 minutes ago (past the leeway)", func(x map[string]any) { x["exp"] = at(-5 * time.Minute) })
	claim("exp missing", func(x map[string]any) { delete(x, "exp") })
	claim("exp a string", func(x map[string]any) { x["exp"] = "tomorrow" })
	claim("exp 1e20", func(x map[string]any) { x["exp"] = 1e20 })
	claim("exp negative", func(x map[string]any) { x["exp"] = -1 })
	claim("exp NaN-like huge integer", func(x map[string]any) { x["exp"] = json.Number("99999999999999999999999999") })
	claim("nbf in an hour", func(x map[string]any) { x["nbf"] = at(time.Hour) })
	claim("nbf a string", func(x map[string]any) { x["nbf"] = "now" })
	claim("iat in an hour", func(x map[string]any) { x["iat"] = at(time.Hour) })
	claim("sub missing", func(x map[string]any) { delete(x, "sub") })
	claim("sub empty", func(x map[string]any) { x["sub"] = "" })
	claim("sub an object", func(x map[string]any) { x["sub"] = map[string]string{"id": "alice"} })
	claim("sub an array", func(x map[string]any) { x["sub"] = []string{"alice", "bob"} })
	add("claims null", sign(h, nil, real))
	add("claims a JSON array", enc(h)+"."+b64.EncodeToString([]byte(`["sub","alice"]`))+"."+b64.EncodeToString(real([]byte(enc(h)+"."+b64.EncodeToString([]byte(`["sub","alice"]`))))))

	// Size.
	add("1 MiB token", sign(h, cl(func(x map[string]any) { x["pad"] = strings.Repeat("A", 1<<20) }), rs(attacker, crypto.SHA256)))
	add("60 KiB token signed by another key", sign(h, cl(func(x map[string]any) { x["pad"] = strings.Repeat("A", 60<<10) }), rs(attacker, crypto.SHA256)))
	add("60 KiB token, genuine key, expired", sign(h, cl(func(x map[string]any) { x["pad"] = strings.Repeat("A", 60<<10); x["exp"] = at(-time.Hour) }), real))
	add("deeply nested claims, genuine key, wrong issuer", sign(h, cl(func(x map[string]any) {
		x["iss"] = "x"
		var v any = 1
		for range 5000 {
			v = []any{v}
		}
		x["deep"] = v
	}), real))
	return a, nil
}

// selfSigned returns a base64 DER certificate for key.
func selfSigned(key *rsa.PrivateKey) string {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return base64.StdEncoding.EncodeToString(der)
}

// runJWT sends every attack to /api/me (and a listing) and reports each
// answer. The genuine token must work first, or the run means nothing.
func runJWT(ctx context.Context, t *target, good string) ([]attempt, error) {
	if r := t.do(ctx, req{method: "GET", path: "/api/me", token: good}); r.status != 200 {
		return nil, fmt.Errorf("attack: the genuine token does not work (status %d %v)", r.status, r.err)
	}
	key, err := devKey(t.dataDir)
	if err != nil {
		return nil, fmt.Errorf("attack: the dev issuer's key (pass -data with -url): %w", err)
	}
	attacks, err := jwtAttacks(good, key, t.url+"/_faas/oidc", time.Now())
	if err != nil {
		return nil, err
	}
	var out []attempt
	for _, a := range attacks {
		r := req{method: "GET", path: "/api/me", token: a.token, header: a.header}
		if a.path != "" {
			r.path = a.path
		}
		if a.header != nil {
			r.token = ""
		}
		res := t.do(ctx, r)
		at := attempt{name: a.name, status: res.status, err: res.err}
		if res.status/100 == 2 {
			at.note = fmt.Sprintf("ACCEPTED: %.120s", res.body)
		}
		out = append(out, at)
	}
	return out, nil
}
