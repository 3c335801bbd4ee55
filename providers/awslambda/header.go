package awslambda

import (
	"net/http"
	"strings"
)

// arena copies the strings an HTTP request keeps out of the payload (which
// aws-lambda-go reuses for the next invocation) into one allocation, sized
// up front by httpEvent.arenaSize. A string it returned stays valid when it
// grows: the bytes behind it are never written again.
type arena struct {
	b   strings.Builder
	tmp []byte // unescaping and canonicalizing scratch, pooled with the event
}

// str returns r's decoded contents.
func (a *arena) str(r rawString) string {
	if !r.esc {
		return a.bytes(r.b)
	}
	a.tmp = appendUnescaped(a.tmp[:0], r.b)
	return a.bytes(a.tmp)
}

// bytes returns a copy of b as a string.
func (a *arena) bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	start := a.b.Len()
	a.b.Write(b)
	return a.since(start)
}

// since returns what was written from offset start on.
func (a *arena) since(start int) string { return a.b.String()[start:] }

// method returns an HTTP method, without copying the common ones.
func (a *arena) method(r rawString) string {
	if !r.esc {
		switch string(r.b) {
		case http.MethodGet:
			return http.MethodGet
		case http.MethodPost:
			return http.MethodPost
		case http.MethodPut:
			return http.MethodPut
		case http.MethodPatch:
			return http.MethodPatch
		case http.MethodDelete:
			return http.MethodDelete
		case http.MethodHead:
			return http.MethodHead
		case http.MethodOptions:
			return http.MethodOptions
		}
	}
	return a.str(r)
}

// canonical returns the canonical form of header name k, as
// http.CanonicalHeaderKey does.
func (a *arena) canonical(k []byte) string {
	c, ok := appendCanonical(a.tmp[:0], k)
	if !ok {
		return http.CanonicalHeaderKey(string(k))
	}
	a.tmp = c
	return a.bytes(c)
}

// commonName returns the canonical form of header name k when it is one of
// the names API Gateway, ALB and browsers commonly send (interned, so it
// costs nothing), and "" otherwise.
func commonName(k []byte) string {
	var buf [32]byte
	if len(k) > len(buf) {
		return ""
	}
	c, ok := appendCanonical(buf[:0], k)
	if !ok {
		return ""
	}
	return commonHeaders[string(c)]
}

// appendCanonical appends the canonical form of a header name made of
// letters, digits, '-', '_' and '.' ("content-type" → "Content-Type"); ok
// is false for other names.
func appendCanonical(dst, k []byte) ([]byte, bool) {
	upper := true
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z':
			if upper {
				c -= 'a' - 'A'
			}
		case c >= 'A' && c <= 'Z':
			if !upper {
				c += 'a' - 'A'
			}
		case c == '-' || c >= '0' && c <= '9' || c == '_' || c == '.':
		default:
			return dst, false
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst, true
}

// commonHeaders interns the header names API Gateway, ALB and browsers send.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Connection",
		"Content-Length", "Content-Type", "Cookie", "Host", "If-Match", "If-None-Match", "If-Modified-Since",
		"Origin", "Referer", "User-Agent", "Via", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port",
		"X-Forwarded-Proto", "X-Amz-Cf-Id", "X-Requested-With", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
		"Sec-Fetch-Site", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Pragma", "Priority",
	} {
		m[k] = k
	}
	return m
}()
