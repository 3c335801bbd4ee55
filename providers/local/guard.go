package local

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// The dev server listens on loopback, but any web page the developer opens
// can make the browser send requests to it. Two rules keep such pages out:
//
//   - DNS rebinding: a page on attacker.example whose name is made to
//     resolve to 127.0.0.1 reaches the server as its own origin, but with
//     Host: attacker.example. Every request whose Host is not a loopback
//     name or address, or the host the server was started for, gets 421.
//   - CSRF: a page can send a "simple" cross-site POST (form or text/plain
//     body) without a preflight. Every /_faas mutation must carry a JSON
//     content type (which a cross-site page can only send after a CORS
//     preflight that this server never grants) and no foreign Origin. The
//     dev issuer's endpoints (/_faas/oidc/...) keep their form posts, which
//     the login page and oidc-client-ts send, and refuse foreign Origins
//     only.
//
// A foreign Origin is any but the server's own or another loopback origin
// (the policy of the dev issuer's CORS), including "null".

// hostAllowed reports whether a request's Host names this server.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return loopbackName(host) || (s.baseHost != "" && strings.EqualFold(host, s.baseHost))
}

// loopbackName reports whether host is localhost, a *.localhost name (RFC
// 6761: always loopback) or a loopback IP address.
func loopbackName(host string) bool {
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// foreignOrigin reports whether the request comes from a page that is not
// the server's own nor on loopback.
func (s *Server) foreignOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false // not sent by a browser page (curl, faas invoke, the app's devbind)
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return true // "null", file://, garbage
	}
	return !strings.EqualFold(u.Host, r.Host) && !s.hostAllowed(u.Host)
}

// jsonContentType reports whether the request body is declared as JSON.
func jsonContentType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// guard applies the rules above. It writes the refusal and returns false
// when the request must not go further.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if !s.hostAllowed(r.Host) {
		sdk.WriteJSON(w, http.StatusMisdirectedRequest, sdk.ErrorBody{Error: sdk.ErrorDetail{Code: sdk.CodeForbidden.String(),
			Message: "faas dev answers requests for localhost and loopback addresses only (Host " + r.Host + " refused: DNS rebinding protection); open the app at " + s.baseURL}})
		return false
	}
	if !strings.HasPrefix(r.URL.Path, PathPrefix) {
		return true // the app's own routes: its auth decides
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if s.foreignOrigin(r) {
		sdk.WriteJSON(w, http.StatusForbidden, sdk.ErrorBody{Error: sdk.ErrorDetail{Code: sdk.CodeForbidden.String(),
			Message: "faas dev refuses " + r.Method + " " + r.URL.Path + " from the page at " + r.Header.Get("Origin") + " (cross-site request)"}})
		return false
	}
	if r.URL.Path != IssuerPath && !strings.HasPrefix(r.URL.Path, IssuerPath+"/") && !jsonContentType(r) {
		sdk.WriteJSON(w, http.StatusUnsupportedMediaType, sdk.ErrorBody{Error: sdk.ErrorDetail{Code: sdk.CodeInvalidInput.String(), Field: "Content-Type",
			Message: "faas dev API calls need Content-Type: application/json (got " + strconv.Quote(r.Header.Get("Content-Type")) + ")"}})
		return false
	}
	return true
}
