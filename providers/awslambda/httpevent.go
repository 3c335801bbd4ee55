package awslambda

import (
	"encoding/base64"
	"net/http"
)

// httpFormat says which HTTP integration sent an event; it decides how the
// request is read and how the response must be shaped.
type httpFormat uint8

const (
	formatV2       httpFormat = iota + 1 // API Gateway HTTP API payload 2.0 and Lambda Function URLs
	formatV1                             // API Gateway REST API (and HTTP API payload 1.0) proxy
	formatALB                            // Application Load Balancer, single-value headers
	formatALBMulti                       // Application Load Balancer, multi-value headers
)

// httpEvent is the union of the fields of every HTTP event shape, filled in
// one pass. Only the fields the request needs are kept.
type httpEvent struct {
	version   string
	rawPath   string // v2
	rawQuery  string // v2
	path      string // v1, ALB
	method    string // v1, ALB (top level)
	cookies   []string
	hasCookie bool

	headers   http.Header // "headers"
	mvHeaders http.Header // "multiValueHeaders"
	query     []queryPair // "queryStringParameters" (v1, ALB)
	mvQuery   []queryPair // "multiValueQueryStringParameters"
	hasMVQ    bool

	body    []byte
	base64  bool
	hasBody bool

	// requestContext
	ctxHTTP    bool   // requestContext.http present (v2)
	ctxELB     bool   // requestContext.elb present (ALB)
	ctxMethod  string // requestContext.http.method
	requestID  string
	sourceIP   string
	domainName string
	claims     []byte // raw requestContext.authorizer.jwt.claims
	scopes     []string
}

type queryPair struct{ k, v string }

// format classifies the event. ok is false when it is not an HTTP event of
// a known shape.
func (e *httpEvent) format() (httpFormat, bool) {
	switch {
	case e.ctxELB:
		if e.mvHeaders != nil || e.hasMVQ {
			return formatALBMulti, true
		}
		return formatALB, true
	case e.version == "2.0" || e.ctxHTTP:
		return formatV2, e.ctxMethod != ""
	case e.method != "":
		return formatV1, true
	}
	return 0, false
}

// decodeHTTPEvent fills e from the payload's top-level object, which the
// caller has already opened.
func decodeHTTPEvent(s *scanner, e *httpEvent) {
	for {
		k, ok := s.key()
		if !ok {
			return
		}
		switch string(k) {
		case "version":
			e.version = s.str()
		case "rawPath":
			e.rawPath = s.str()
		case "rawQueryString":
			e.rawQuery = s.str()
		case "path":
			e.path = s.str()
		case "httpMethod":
			e.method = s.str()
		case "cookies":
			e.cookies = s.stringSlice()
			e.hasCookie = true
		case "headers":
			e.headers = readHeaders(s, e.headers)
		case "multiValueHeaders":
			e.mvHeaders = readMVHeaders(s)
		case "queryStringParameters":
			e.query = readQuery(s, e.query[:0])
		case "multiValueQueryStringParameters":
			e.mvQuery = readMVQuery(s, e.mvQuery[:0])
			e.hasMVQ = e.mvQuery != nil
		case "body":
			e.hasBody = s.peek() != 'n'
			e.body, _ = s.strBytes()
		case "isBase64Encoded":
			e.base64 = s.boolean()
		case "requestContext":
			decodeRequestContext(s, e)
		default:
			s.skip()
		}
	}
}

func decodeRequestContext(s *scanner, e *httpEvent) {
	if !s.object() {
		return
	}
	for {
		k, ok := s.key()
		if !ok {
			return
		}
		switch string(k) {
		case "requestId":
			e.requestID = s.str()
		case "domainName":
			e.domainName = s.str()
		case "elb":
			e.ctxELB = true
			s.skip()
		case "http":
			e.ctxHTTP = true
			if !s.object() {
				continue
			}
			for {
				k, ok := s.key()
				if !ok {
					break
				}
				switch string(k) {
				case "method":
					e.ctxMethod = s.str()
				case "sourceIp":
					e.sourceIP = s.str()
				default:
					s.skip()
				}
			}
		case "identity":
			if !s.object() {
				continue
			}
			for {
				k, ok := s.key()
				if !ok {
					break
				}
				if string(k) == "sourceIp" && e.sourceIP == "" {
					e.sourceIP = s.str()
				} else {
					s.skip()
				}
			}
		case "authorizer":
			decodeAuthorizer(s, e)
		default:
			s.skip()
		}
	}
}

// decodeAuthorizer keeps the raw claims of an HTTP API JWT authorizer (or
// a REST API Cognito authorizer's "claims"), decoded later only if present.
func decodeAuthorizer(s *scanner, e *httpEvent) {
	if !s.object() {
		return
	}
	for {
		k, ok := s.key()
		if !ok {
			return
		}
		switch string(k) {
		case "jwt":
			if !s.object() {
				continue
			}
			for {
				k, ok := s.key()
				if !ok {
					break
				}
				switch string(k) {
				case "claims":
					e.claims = s.raw()
				case "scopes":
					e.scopes = s.stringSlice()
				default:
					s.skip()
				}
			}
		case "claims":
			e.claims = s.raw()
		default:
			s.skip()
		}
	}
}

// readHeaders reads a single-value header object into h (allocated if
// nil), canonicalizing names. It counts the headers first (a cheap skip
// over the object) so the map and one shared backing array for the values
// are allocated once, as net/textproto does.
func readHeaders(s *scanner, h http.Header) http.Header {
	if !s.object() {
		return h
	}
	n := s.countKeys()
	if h == nil {
		h = make(http.Header, n)
	}
	vals := make([]string, 0, n)
	for {
		k, ok := s.key()
		if !ok {
			return h
		}
		name := canonicalKey(k)
		v := s.str()
		if old, dup := h[name]; dup || len(vals) == cap(vals) {
			h[name] = append(old, v)
			continue
		}
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
}

func readMVHeaders(s *scanner) http.Header {
	if !s.object() {
		return nil
	}
	h := make(http.Header, 16)
	for {
		k, ok := s.key()
		if !ok {
			return h
		}
		name := canonicalKey(k)
		if s.array() {
			for s.more() {
				h[name] = append(h[name], s.str())
			}
		}
	}
}

func readQuery(s *scanner, q []queryPair) []queryPair {
	if !s.object() {
		return nil
	}
	for {
		k, ok := s.key()
		if !ok {
			return q
		}
		q = append(q, queryPair{string(k), s.str()})
	}
}

func readMVQuery(s *scanner, q []queryPair) []queryPair {
	if !s.object() {
		return nil
	}
	if q == nil {
		q = []queryPair{}
	}
	for {
		k, ok := s.key()
		if !ok {
			return q
		}
		key := string(k)
		if s.array() {
			for s.more() {
				q = append(q, queryPair{key, s.str()})
			}
		}
	}
}

// canonicalKey canonicalizes a header name ("content-type" →
// "Content-Type") in a stack buffer; common names come back interned, so
// they cost no allocation.
func canonicalKey(k []byte) string {
	var buf [64]byte
	if len(k) == 0 || len(k) > len(buf) {
		return http.CanonicalHeaderKey(string(k))
	}
	upper := true
	for i, c := range k {
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
			return http.CanonicalHeaderKey(string(k))
		}
		buf[i] = c
		upper = c == '-'
	}
	if v, ok := commonHeaders[string(buf[:len(k)])]; ok {
		return v
	}
	return string(buf[:len(k)])
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

// bodyBytes returns the request body, decoding base64 if flagged.
func (e *httpEvent) bodyBytes() ([]byte, error) {
	if !e.base64 || len(e.body) == 0 {
		return e.body, nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(e.body)))
	n, err := base64.StdEncoding.Decode(out, e.body)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
