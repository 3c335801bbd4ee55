package awslambda

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// canonicalHeader returns the canonical form of header name k, as
// http.CanonicalHeaderKey does, without allocating for the names API
// Gateway, ALB and browsers commonly send.
func canonicalHeader(k string) string {
	if c := commonName(k); c != "" {
		return c
	}
	return http.CanonicalHeaderKey(k)
}

// commonName returns the canonical form of header name k when it is one of
// the names API Gateway, ALB and browsers commonly send (interned, so it
// costs nothing), and "" otherwise.
func commonName(k string) string {
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
func appendCanonical(dst []byte, k string) ([]byte, bool) {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
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

// singleHeaders returns the header of a single-value header map (v2,
// v1's "headers", ALB's single-value mode), every name canonical, with
// room for extra more names; all values share one backing array, whose
// extra spare slots it returns for those.
func singleHeaders(in map[string]string, extra int) (http.Header, []string) {
	h := make(http.Header, len(in)+extra)
	vals := make([]string, len(in)+extra)
	i := 0
	for k, v := range in {
		name := canonicalHeader(k)
		if old, dup := h[name]; dup {
			// Names differing only in case ("ACCEPT", "accept").
			h[name] = append(old, v)
			continue
		}
		vals[i] = v
		h[name] = vals[i : i+1 : i+1]
		i++
	}
	return h, vals[len(in):]
}

// multiHeaders returns the header of a multi-value header map (v1's and
// ALB's "multiValueHeaders"), every name canonical.
func multiHeaders(in map[string][]string) http.Header {
	h := make(http.Header, len(in))
	for k, vs := range in {
		name := canonicalHeader(k)
		h[name] = append(h[name], vs...)
	}
	return h
}

// encodeQuery rebuilds the query string of a v1 or ALB event from its
// parameter maps, preferring the multi-value one when the event has it, in
// key order. escape is false when the parameters arrive still escaped
// (ALB).
func encodeQuery(single map[string]string, multi map[string][]string, escape bool) string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		if escape {
			k, v = url.QueryEscape(k), url.QueryEscape(v)
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	if multi != nil {
		for _, k := range slices.Sorted(maps.Keys(multi)) {
			for _, v := range multi[k] {
				add(k, v)
			}
		}
		return b.String()
	}
	for _, k := range slices.Sorted(maps.Keys(single)) {
		add(k, single[k])
	}
	return b.String()
}
