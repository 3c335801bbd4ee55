package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// builtAssets returns the URL paths of the hashed JS and CSS files that
// dist/index.html references.
func builtAssets(t *testing.T) (js, css string) {
	t.Helper()
	html, err := fs.ReadFile(dist, "dist/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(string(html), -1) {
		switch {
		case strings.HasSuffix(m[1], ".js"):
			js = m[1]
		case strings.HasSuffix(m[1], ".css"):
			css = m[1]
		}
	}
	if js == "" || css == "" {
		t.Fatalf("dist/index.html does not reference a JS and a CSS asset:\n%s", html)
	}
	return js, css
}

func TestHandler(t *testing.T) {
	h := Handler()
	js, css := builtAssets(t)
	const (
		html     = "text/html; charset=utf-8"
		htmlNav  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
		jsonType = "application/json"
	)
	tests := []struct {
		name, method, path, accept string
		status                     int
		contentType, cache         string
		bodyHas                    string
	}{
		{"root is index.html", "GET", "/", htmlNav, 200, html, "no-cache", `<div id="app">`},
		{"index.html by name", "GET", "/index.html", "", 200, html, "no-cache", `<div id="app">`},
		{"hashed JS is immutable", "GET", js, "*/*", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", ""},
		{"hashed CSS is immutable", "GET", css, "text/css,*/*;q=0.1", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ""},
		{"favicon revalidates", "GET", "/favicon.svg", "image/*", 200, "image/svg+xml", "no-cache", "<svg"},
		{"HEAD works", "HEAD", "/", htmlNav, 200, html, "no-cache", ""},
		{"SPA route falls back to index.html", "GET", "/todos/123", htmlNav, 200, html, "no-cache", `<div id="app">`},
		{"SPA fallback keeps the query", "GET", "/?code=abc&state=xyz", htmlNav, 200, html, "no-cache", `<div id="app">`},
		{"unknown path not asking for HTML", "GET", "/data.json", "application/json", 404, "text/plain; charset=utf-8", "no-cache", ""},
		{"missing hashed asset is 404 even for HTML", "GET", "/assets/index-missing.js", htmlNav, 404, "text/plain; charset=utf-8", "no-cache", ""},
		{"assets dir itself", "GET", "/assets/", htmlNav, 404, "text/plain; charset=utf-8", "no-cache", ""},
		{"path traversal stays inside dist", "GET", "/../web.go", htmlNav, 200, html, "no-cache", `<div id="app">`},
		{"API route is never served", "GET", "/api/todos", htmlNav, 404, jsonType, "", `"not_found"`},
		{"bare /api is never served", "GET", "/api", "", 404, jsonType, "", `"not_found"`},
		{"API POST is never served", "POST", "/api/todos", "", 404, jsonType, "", `"not_found"`},
		{"other methods are refused", "POST", "/", htmlNav, 405, "text/plain; charset=utf-8", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d; body %q", res.StatusCode, tc.status, body)
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
			}
			if tc.bodyHas != "" && !bytes.Contains(body, []byte(tc.bodyHas)) {
				t.Errorf("body %.200q does not contain %q", body, tc.bodyHas)
			}
			if tc.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD has a body of %d bytes", len(body))
			}
			if res.StatusCode == 200 && res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("X-Content-Type-Options: nosniff missing")
			}
			if tc.contentType == jsonType {
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != "not_found" || e.Error.Message == "" {
					t.Errorf("API 404 body %q is not the API's error format (%v)", body, err)
				}
			}
		})
	}
}

func TestHTMLHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
}

// Everything the page loads is in dist and bundled: no CDN, no source maps.
func TestDistIsSelfContained(t *testing.T) {
	html, _ := fs.ReadFile(dist, "dist/index.html")
	if m := regexp.MustCompile(`(?i)(?:src|href)="(?:https?:)?//`).Find(html); m != nil {
		t.Errorf("index.html loads something from another origin: %s", m)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="/([^"]+)"`).FindAllSubmatch(html, -1) {
		if _, err := fs.Stat(dist, "dist/"+string(m[1])); err != nil {
			t.Errorf("index.html references /%s, which is not in dist: %v", m[1], err)
		}
	}
	fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(p, ".map") {
			t.Errorf("source map in dist: %s", p)
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".css") || strings.HasSuffix(p, ".js")) {
			b, _ := fs.ReadFile(dist, p)
			if loc := regexp.MustCompile(`@import\s+url\(\s*["']?https?:|fonts\.googleapis`).Find(b); loc != nil {
				t.Errorf("%s loads from the network: %s", p, loc)
			}
		}
		return err
	})
}

func TestGzipAndConditionalRequests(t *testing.T) {
	h := Handler()
	js, _ := builtAssets(t)

	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest("GET", js, nil))
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip without Accept-Encoding")
	}
	if !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}

	req := httptest.NewRequest("GET", js, nil)
	req.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
	zipped := httptest.NewRecorder()
	h.ServeHTTP(zipped, req)
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", zipped.Header().Get("Content-Encoding"))
	}
	if zipped.Body.Len() >= plain.Body.Len() {
		t.Errorf("gzip body %d bytes, plain %d", zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("gunzipped body differs from the plain one")
	}
	if zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("gzip and identity representations share an ETag")
	}

	req = httptest.NewRequest("GET", js, nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0, identity")
	refused := httptest.NewRecorder()
	h.ServeHTTP(refused, req)
	if refused.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused with q=0")
	}

	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Header().Get("ETag")
	}())
	notModified := httptest.NewRecorder()
	h.ServeHTTP(notModified, req)
	if notModified.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", notModified.Code)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"gzip, deflate, br":     true,
		"br;q=1.0, gzip;q=0.5":  true,
		"gzip;q=0":              false,
		"gzip; q=0.000":         false,
		"*":                     true,
		"*;q=0":                 false,
		"*, gzip;q=0":           false,
		"identity":              false,
		"x-gzip":                true,
		"deflate, GZIP;Q=0.001": true,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			req.Header.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(req); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// The committed dist/ was built from the sources as they are now: `npm run
// build` writes the hash of its inputs to dist/.source-hash (see
// vite.config.js); this recomputes it. (scripts/e2e.sh --check-dist goes
// further and compares dist/ with a fresh build.)
func TestDistBuiltFromCurrentSources(t *testing.T) {
	if _, err := os.Stat("src"); err != nil {
		t.Skip("front-end sources not present")
	}
	want, err := os.ReadFile("dist/.source-hash")
	if err != nil {
		t.Fatalf("dist/.source-hash: %v (run `npm run build` in examples/todo/web)", err)
	}
	var files []string
	for _, src := range []string{"index.html", "vite.config.js", "package.json", "package-lock.json", "src", "public"} {
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, filepath.ToSlash(p))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		fmt.Fprintf(h, "%s\n%d\n", f, len(b))
		h.Write(b)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); strings.TrimSpace(string(want)) != got {
		t.Errorf("dist/ is stale: the front-end sources changed since it was built (%s, sources %s).\n"+
			"Run `npm ci && npm run build` in examples/todo/web and commit dist/.", strings.TrimSpace(string(want)), got)
	}
}
