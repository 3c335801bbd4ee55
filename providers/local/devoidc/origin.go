package devoidc

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// loopbackHost reports whether host (without port) is localhost or a
// loopback IP address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redirectAllowed reports whether raw is an acceptable redirect URI: an
// absolute http(s) URL without fragment or user info whose host is loopback
// or whose origin is the issuer's. Anything else is refused: this issuer
// exists for local development only.
func (i *Issuer) redirectAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") {
		return false
	}
	return loopbackHost(u.Hostname()) || u.Scheme+"://"+u.Host == i.origin
}

// originAllowed reports whether a browser Origin may call the issuer's
// JSON endpoints: any loopback origin, or the issuer's own.
func (i *Issuer) originAllowed(origin string) bool {
	if origin == i.origin {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Path == "" && loopbackHost(u.Hostname())
}

// cors serves a CORS-enabled endpoint: it answers preflights, adds
// Access-Control-Allow-Origin for allowed origins and calls serve for the
// given methods.
func (i *Issuer) cors(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc, methods ...string) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	allowed := origin != "" && i.originAllowed(origin)
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if r.Method == http.MethodOptions {
		if allowed {
			h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			h.Set("Access-Control-Max-Age", "600")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !slices.Contains(methods, r.Method) {
		methodNotAllowed(w, slices.Concat(methods, []string{http.MethodOptions})...)
		return
	}
	serve(w, r)
}
