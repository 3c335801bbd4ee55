package devoidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"
)

// keyBits is the size of generated signing keys.
const keyBits = 2048

// loadOrCreateKey reads the PEM RSA key at path, or generates one and stores
// it there if the file does not exist. An empty path means an ephemeral key.
func loadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	if path == "" {
		return generateKey()
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return parseKey(path, b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("devoidc: reading key: %w", err)
	}
	key, err := generateKey()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("devoidc: encoding key: %w", err)
	}
	won, err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, err
	}
	if !won { // another process created the file first; use its key
		return loadOrCreateKey(path)
	}
	return key, nil
}

// writeNew creates path with data (mode 0600) unless it already exists,
// never exposing a partly written file. It reports whether it created it.
func writeNew(path string, data []byte) (bool, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("devoidc: key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".devoidc-key-*") // mode 0600
	if err != nil {
		return false, fmt.Errorf("devoidc: writing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// No hard links on this file system: fall back to a rename,
			// which is atomic but may replace a concurrent writer's key.
			err = os.Rename(tmp.Name(), path)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("devoidc: writing key: %w", err)
	}
	return true, nil
}

func generateKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("devoidc: generating key: %w", err)
	}
	return key, nil
}

// parseKey accepts a PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY")
// PEM RSA key of at least 2048 bits.
func parseKey(path string, b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("devoidc: %s holds no PEM key (delete it to generate a new one)", path)
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		err = fmt.Errorf("unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("devoidc: key in %s: %w", path, err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok || rsaKey.N.BitLen() < keyBits {
		return nil, fmt.Errorf("devoidc: key in %s is not an RSA key of at least %d bits", path, keyBits)
	}
	return rsaKey, nil
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of pub, base64url.
func thumbprint(pub *rsa.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("devoidc: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}
