package awslambda

import (
	"sync"
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
// one pass. Only the fields the request needs are kept, as raw JSON string
// contents that alias the payload: newRequest copies what the request keeps
// into one allocation. httpEvents are pooled; the payload must stay
// unchanged until the event is put back.
type httpEvent struct {
	v2        bool // "version": "2.0"
	rawPath   rawString
	rawQuery  rawString
	path      rawString // v1, ALB
	method    rawString // v1, ALB (top level)
	cookies   []rawString
	hasCookie bool

	headers     []rawHeader // "headers": one entry per key
	mvHeaders   []rawHeader // "multiValueHeaders": one entry per value
	hasMVHeader bool        // "multiValueHeaders" is an object
	query       []rawPair   // "queryStringParameters" (v1, ALB)
	mvQuery     []rawPair   // "multiValueQueryStringParameters"
	hasMVQ      bool        // "multiValueQueryStringParameters" is an object

	body   rawString
	base64 bool

	// requestContext
	ctxHTTP    bool      // requestContext.http present (v2)
	ctxELB     bool      // requestContext.elb present (ALB)
	ctxMethod  rawString // requestContext.http.method
	requestID  rawString
	sourceIP   rawString
	domainName rawString
	claims     []byte // raw requestContext.authorizer.jwt.claims (or .claims)
	scopes     []byte // raw requestContext.authorizer.jwt.scopes

	scratch []byte // the decoded body when it is escaped or base64
	tmp     []byte // the arena's scratch
}

// rawString is a JSON string's contents between the quotes, aliasing the
// payload, still escaped if esc.
type rawString struct {
	b   []byte
	esc bool
}

// rawHeader is one header value and its name as written in the event,
// with the name's canonical form when it is a common one.
type rawHeader struct {
	name  []byte
	canon string // commonName(name)
	val   rawString
}

// rawPair is one query parameter.
type rawPair struct {
	k []byte
	v rawString
}

var eventPool = sync.Pool{New: func() any { return &httpEvent{} }}

func getEvent() *httpEvent { return eventPool.Get().(*httpEvent) }

// putEvent empties e, keeping its slices' storage but nothing that points
// into the payload, and pools it.
func putEvent(e *httpEvent) {
	clear(e.cookies)
	clear(e.headers)
	clear(e.mvHeaders)
	clear(e.query)
	clear(e.mvQuery)
	scratch := e.scratch[:0]
	if cap(scratch) > 1<<20 {
		scratch = nil // do not pin large bodies
	}
	*e = httpEvent{
		cookies: e.cookies[:0], headers: e.headers[:0], mvHeaders: e.mvHeaders[:0],
		query: e.query[:0], mvQuery: e.mvQuery[:0], scratch: scratch, tmp: e.tmp[:0],
	}
	eventPool.Put(e)
}

// format classifies the event. ok is false when it is not an HTTP event of
// a known shape.
func (e *httpEvent) format() (httpFormat, bool) {
	switch {
	case e.ctxELB:
		if e.hasMVHeader || e.hasMVQ {
			return formatALBMulti, true
		}
		return formatALB, true
	case e.v2 || e.ctxHTTP:
		return formatV2, len(e.ctxMethod.b) > 0
	case len(e.method.b) > 0:
		return formatV1, true
	}
	return 0, false
}

// decodeHTTPEvent fills e from the payload's top-level object, which the
// caller has already opened.
func decodeHTTPEvent(s *scanner, e *httpEvent) {
	s.members(func(k []byte) {
		switch string(k) {
		case "version":
			v := s.rawString()
			e.v2 = !v.esc && string(v.b) == "2.0"
		case "rawPath":
			e.rawPath = s.rawString()
		case "rawQueryString":
			e.rawQuery = s.rawString()
		case "path":
			e.path = s.rawString()
		case "httpMethod":
			e.method = s.rawString()
		case "cookies":
			e.hasCookie = true
			if s.array() {
				for s.more() {
					e.cookies = append(e.cookies, s.rawString())
				}
			}
		case "headers":
			s.fields(func(k []byte) { e.headers = append(e.headers, rawHeader{k, commonName(k), s.rawString()}) })
		case "multiValueHeaders":
			e.hasMVHeader = s.fields(func(k []byte) {
				if s.array() {
					canon := commonName(k)
					for s.more() {
						e.mvHeaders = append(e.mvHeaders, rawHeader{k, canon, s.rawString()})
					}
				}
			})
		case "queryStringParameters":
			e.query, _ = readQuery(s, e.query[:0], false)
		case "multiValueQueryStringParameters":
			e.mvQuery, e.hasMVQ = readQuery(s, e.mvQuery[:0], true)
		case "body":
			e.body = s.rawString()
		case "isBase64Encoded":
			e.base64 = s.boolean()
		case "requestContext":
			decodeRequestContext(s, e)
		default:
			s.skip()
		}
	})
}

// rawString reads a string value as a rawString (null reads as empty).
func (s *scanner) rawString() rawString {
	b, esc, _ := s.rawStr()
	return rawString{b, esc}
}

// readQuery reads a query parameter object (multi: of arrays) into q and
// reports whether it was an object (not null).
func readQuery(s *scanner, q []rawPair, multi bool) ([]rawPair, bool) {
	isObject := s.fields(func(k []byte) {
		if !multi {
			q = append(q, rawPair{k, s.rawString()})
			return
		}
		if s.array() {
			for s.more() {
				q = append(q, rawPair{k, s.rawString()})
			}
		}
	})
	return q, isObject
}

func decodeRequestContext(s *scanner, e *httpEvent) {
	s.fields(func(k []byte) {
		switch string(k) {
		case "requestId":
			e.requestID = s.rawString()
		case "domainName":
			e.domainName = s.rawString()
		case "elb":
			e.ctxELB = true
			s.skip()
		case "http":
			e.ctxHTTP = true
			s.fields(func(k []byte) {
				switch string(k) {
				case "method":
					e.ctxMethod = s.rawString()
				case "sourceIp":
					e.sourceIP = s.rawString()
				default:
					s.skip()
				}
			})
		case "identity":
			s.fields(func(k []byte) {
				if string(k) == "sourceIp" && len(e.sourceIP.b) == 0 {
					e.sourceIP = s.rawString()
				} else {
					s.skip()
				}
			})
		case "authorizer":
			decodeAuthorizer(s, e)
		default:
			s.skip()
		}
	})
}

// decodeAuthorizer keeps the raw claims of an HTTP API JWT authorizer (or
// a REST API Cognito authorizer's "claims"), decoded later only if asked.
func decodeAuthorizer(s *scanner, e *httpEvent) {
	s.fields(func(k []byte) {
		switch string(k) {
		case "jwt":
			s.fields(func(k []byte) {
				switch string(k) {
				case "claims":
					e.claims = s.raw()
				case "scopes":
					e.scopes = s.raw()
				default:
					s.skip()
				}
			})
		case "claims":
			e.claims = s.raw()
		default:
			s.skip()
		}
	})
}
