// Package web serves the to-do app's single-page front end (built by Vite
// into dist/, which is committed so that `go build` needs no Node).
//
// Mount Handler at "/" beside the API's "/api/" routes:
//
//	mux.Handle("/api/", api)
//	mux.Handle("/", web.Handler())
//
// It serves the embedded files with their Content-Type and an ETag, caches
// the content-hashed files under /assets/ for a year ("immutable") and
// everything else (index.html, favicon) with "no-cache" (revalidate), gzips
// text files for clients that accept it, and answers unknown paths that
// accept HTML with index.html so client-side routes survive a reload.
// /api and /api/... are never served from here (404 JSON, in the API's error
// format), nor are missing files under /assets/ (404).
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// contentSecurityPolicy for the HTML page. Scripts and styles come only from
// this origin (everything is bundled, no CDN); connect-src also allows
// https: for the identity provider's discovery and token endpoints, and
// plain-http loopback for local development issuers.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self' https: http://127.0.0.1:* http://localhost:*; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".wasm":        "application/wasm",
}

type asset struct {
	body, gz     []byte // gz is nil when compression does not pay
	etag, gzEtag string
	contentType  string
	cacheControl string
	html         bool

	compress bool      // worth trying gzip: a compressible type, >= 512 bytes
	gzOnce   sync.Once // gz is made on the first request that can use it, not at start-up
}

// gzipBody compresses the asset, keeping the result only if it pays.
func (a *asset) gzipBody() {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(a.body)
	zw.Close()
	if buf.Len() < len(a.body)*9/10 {
		a.gz = buf.Bytes()
		a.gzEtag = strings.TrimSuffix(a.etag, `"`) + `-gz"`
	}
}

var (
	loadOnce sync.Once
	assets   map[string]*asset // by path relative to dist, e.g. "assets/index-abc.js"
	index    *asset
)

// Handler returns the http.Handler serving the embedded front end.
func Handler() http.Handler {
	loadOnce.Do(load)
	return http.HandlerFunc(serve)
}

func load() {
	assets = map[string]*asset{}
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		a := &asset{body: body, contentType: contentType(name, body), cacheControl: cacheRevalidate}
		if strings.HasPrefix(name, "assets/") {
			a.cacheControl = cacheImmutable
		}
		a.html = strings.HasPrefix(a.contentType, "text/html")
		sum := sha256.Sum256(body)
		a.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		a.compress = compressible(a.contentType) && len(body) >= 512
		assets[name] = a
		return nil
	})
	if err != nil {
		panic("web: reading embedded dist: " + err.Error())
	}
	index = assets["index.html"]
	if index == nil {
		panic("web: dist/index.html is missing; run `npm run build` in examples/todo/web")
	}
}

func contentType(name string, body []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return http.DetectContentType(body)
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "json") || strings.HasPrefix(ct, "image/svg")
}

func serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":"not_found","message":"no such API route"}}` + "\n"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		name = "index.html"
	}
	if a, ok := assets[name]; ok {
		serveAsset(w, r, a)
		return
	}
	// A missing hashed asset is a real 404 (an old page asking for a file
	// from a previous build must not get HTML back); so is anything that is
	// not a page navigation.
	if name == "assets" || strings.HasPrefix(name, "assets/") || !acceptsHTML(r) {
		w.Header().Set("Cache-Control", cacheRevalidate)
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, index) // SPA route: the app decides what to show
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	if a.html {
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
	}
	body, etag := a.body, a.etag
	if a.compress {
		a.gzOnce.Do(a.gzipBody)
	}
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if r.Header.Get("Range") == "" && acceptsGzip(r) {
			body, etag = a.gz, a.gzEtag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip: listed (or
// covered by "*") with a non-zero q value.
func acceptsGzip(r *http.Request) bool {
	gzip, star := -1, -1 // -1 unlisted, 0 refused, 1 accepted
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			ok := 1
			if q, found := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); found &&
				strings.Trim(q, "0.") == "" {
				ok = 0
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzip = ok
			case "*":
				star = ok
			}
		}
	}
	if gzip >= 0 {
		return gzip == 1
	}
	return star == 1
}
