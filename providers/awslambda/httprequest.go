package awslambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/faaskit/faas/sdk"
)

// httpState is what one HTTP invocation keeps besides the header map and
// the request's strings, allocated at once.
type httpState struct {
	invState
	url  url.URL
	body bodyReader
	auth lazyAuthorizer
	actx authContext
}

// newRequest turns a decoded HTTP event into the *http.Request the
// function sees, exactly: the raw (still escaped) path where the platform
// keeps it, every query value in order, every header value, the v2
// cookies array as one Cookie header, and the body decoded from base64.
// The strings the request keeps are copied out of the payload into one
// allocation (see arena); the body is read in place, from the payload or
// from e's pooled buffer, so it is valid until ServeHTTP returns, as
// net/http specifies.
func newRequest(ctx context.Context, st *httpState, e *httpEvent, f httpFormat) (*http.Request, error) {
	body, err := e.bodyBytes()
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "awslambda: request body is not valid base64: %w", err)
	}
	hdrs, multi := e.headers, false
	if (f == formatV1 || f == formatALBMulti) && e.hasMVHeader {
		hdrs, multi = e.mvHeaders, true
	}
	a := arena{tmp: e.tmp}
	defer func() { e.tmp = a.tmp }()
	size := e.arenaSize(f, hdrs)
	if st.inv.ID == "" {
		// Outside Lambda the request ID stands in for the invocation ID.
		a.b.Grow(size + len(e.requestID.b))
		st.setID(a.str(e.requestID))
	} else {
		a.b.Grow(size)
	}

	u := &st.url
	m := e.method
	if f == formatV2 {
		m = e.ctxMethod
	}
	method := a.method(m)
	var uri, path string
	switch f {
	case formatV2:
		start := a.b.Len()
		path = a.str(e.rawPath)
		if len(e.rawQuery.b) > 0 {
			a.b.WriteByte('?')
			u.RawQuery = a.str(e.rawQuery)
		}
		uri = a.since(start)
		if err := setRawPath(u, path); err != nil {
			return nil, err
		}
	case formatV1:
		u.Path = a.str(e.path)
		u.RawQuery = encodeQuery(e.query, e.mvQuery, e.hasMVQ, &a, url.QueryEscape)
	case formatALB, formatALBMulti:
		// ALB passes the path and query exactly as the client sent them.
		if err := setRawPath(u, a.str(e.path)); err != nil {
			return nil, err
		}
		u.RawQuery = encodeQuery(e.query, e.mvQuery, e.hasMVQ, &a, nil)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	// The v2 path and query were copied side by side: they are the
	// request URI when the path needs no other escaping.
	if uri == "" || u.EscapedPath() != path {
		uri = requestURI(u)
	}

	cookie := f == formatV2 && e.hasCookie && len(e.cookies) > 0
	h, vals := makeHeader(len(hdrs), cookie)
	if multi {
		a.multiHeaders(h, vals, hdrs)
	} else {
		a.singleHeaders(h, vals, hdrs)
	}
	if cookie {
		// Function URLs may also copy cookies into the cookie header;
		// the array is authoritative, so it replaces the header.
		start := a.b.Len()
		for i, c := range e.cookies {
			if i > 0 {
				a.b.WriteString("; ")
			}
			a.str(c)
		}
		vals[len(vals)-1] = a.since(start)
		h["Cookie"] = vals[len(vals)-1:]
	}
	host := a.str(e.domainName)
	if v, ok := h["Host"]; ok {
		if len(v) > 0 {
			host = v[0]
		}
		delete(h, "Host")
	}
	r := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       host,
		RemoteAddr: a.str(e.sourceIP),
		RequestURI: uri,
	}
	if len(body) > 0 {
		st.body.Reset(body)
		r.Body = &st.body
		r.ContentLength = int64(len(body))
	} else {
		r.Body = http.NoBody
	}
	if e.claims != nil {
		st.auth.raw, st.auth.scopes = a.bytes(e.claims), a.bytes(e.scopes)
		st.actx = authContext{Context: ctx, auth: &st.auth}
		ctx = &st.actx
	}
	return r.WithContext(ctx), nil
}

// arenaSize bounds the bytes of the strings newRequest keeps from e (with
// hdrs the header list it uses), but for the request ID: escaped strings
// only shrink.
func (e *httpEvent) arenaSize(f httpFormat, hdrs []rawHeader) int {
	n := len(e.method.b) + len(e.ctxMethod.b) + len(e.sourceIP.b) + len(e.domainName.b) + len(e.claims) + len(e.scopes)
	for _, h := range hdrs {
		n += len(h.val.b)
		if h.canon == "" {
			n += len(h.name)
		}
	}
	if f == formatV2 {
		n += len(e.rawPath.b) + 1 + len(e.rawQuery.b)
		for _, c := range e.cookies {
			n += len(c.b) + 2
		}
		return n
	}
	n += len(e.path.b)
	q := e.query
	if e.hasMVQ {
		q = e.mvQuery
	}
	for _, p := range q {
		n += len(p.k) + len(p.v.b) + 2
	}
	return n
}

// makeHeader returns an empty header map for n values and one backing
// array for them, with a last spare slot for the Cookie header if cookie.
func makeHeader(n int, cookie bool) (http.Header, []string) {
	if cookie {
		return make(http.Header, n+1), make([]string, n+1)
	}
	return make(http.Header, n), make([]string, n)
}

// singleHeaders adds one value per entry, canonicalizing names.
func (a *arena) singleHeaders(h http.Header, vals []string, hdrs []rawHeader) {
	for i, rh := range hdrs {
		name := rh.canon
		if name == "" {
			name = a.canonical(rh.name)
		}
		v := a.str(rh.val)
		if old, dup := h[name]; dup {
			h[name] = append(old, v)
			continue
		}
		vals[i] = v
		h[name] = vals[i : i+1 : i+1]
	}
}

// multiHeaders adds multi-value entries: the values of one key are
// consecutive.
func (a *arena) multiHeaders(h http.Header, vals []string, hdrs []rawHeader) {
	for i := 0; i < len(hdrs); {
		j := i + 1
		for j < len(hdrs) && bytes.Equal(hdrs[j].name, hdrs[i].name) {
			j++
		}
		name := hdrs[i].canon
		if name == "" {
			name = a.canonical(hdrs[i].name)
		}
		for k := i; k < j; k++ {
			vals[k] = a.str(hdrs[k].val)
		}
		if old, dup := h[name]; dup {
			h[name] = append(old, vals[i:j]...)
		} else {
			h[name] = vals[i:j:j]
		}
		i = j
	}
}

// setRawPath sets the path from its escaped form, keeping the escaping
// (so that %2F stays distinguishable from '/').
func setRawPath(u *url.URL, raw string) error {
	if strings.IndexByte(raw, '%') < 0 {
		u.Path = raw
		return nil
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return sdk.Errorf(sdk.CodeInvalidInput, "awslambda: bad request path %q: %w", raw, err)
	}
	u.Path, u.RawPath = p, raw
	return nil
}

// encodeQuery rebuilds the query string of a v1 or ALB event, preferring
// the multi-value parameters. escape is nil when values arrive still
// escaped (ALB); then the query is built in the arena.
func encodeQuery(single, mv []rawPair, hasMV bool, a *arena, escape func(string) string) string {
	q := single
	if hasMV {
		q = mv
	}
	if len(q) == 0 {
		return ""
	}
	if escape == nil {
		start := a.b.Len()
		for i, p := range q {
			if i > 0 {
				a.b.WriteByte('&')
			}
			a.b.Write(p.k)
			a.b.WriteByte('=')
			a.str(p.v)
		}
		return a.since(start)
	}
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(a.bytes(p.k)))
		b.WriteByte('=')
		b.WriteString(escape(a.str(p.v)))
	}
	return b.String()
}

func requestURI(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery == "" {
		return p
	}
	return p + "?" + u.RawQuery
}

// bodyReader is the request body: the decoded bytes, read in place.
type bodyReader struct{ bytes.Reader }

// Close implements io.Closer.
func (*bodyReader) Close() error { return nil }

// bodyBytes returns the request body, unescaped and decoded from base64 if
// flagged, in e's pooled buffer when it is not the payload itself.
func (e *httpEvent) bodyBytes() ([]byte, error) {
	src := e.body.b
	if e.body.esc {
		if !e.base64 {
			e.scratch = appendUnescaped(e.scratch[:0], src)
			return e.scratch, nil
		}
		src = appendUnescaped(nil, src) // base64 with escaped '/': rare
	}
	if !e.base64 || len(src) == 0 {
		return src, nil
	}
	n := base64.StdEncoding.DecodedLen(len(src))
	if cap(e.scratch) < n {
		e.scratch = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(e.scratch[:n], src)
	if err != nil {
		return nil, err
	}
	return e.scratch[:n], nil
}

type authorizerKey struct{}

// Authorizer is what an API Gateway authorizer established about the caller.
type Authorizer struct {
	// Claims are the JWT claims as API Gateway passed them, decoded with
	// numbers as json.Number and arrays and objects kept (API Gateway
	// sometimes flattens them to strings; those stay strings).
	Claims map[string]any
	// Scopes are the JWT scopes, for HTTP API JWT authorizers.
	Scopes []string
}

// lazyAuthorizer holds the raw claims and scopes; they are decoded on the
// first AuthorizerFrom, so requests whose handler never asks pay only a
// copy.
type lazyAuthorizer struct {
	raw, scopes string // JSON
	once        sync.Once
	a           *Authorizer
}

// AuthorizerFrom returns the authorizer information of the HTTP request
// being served, or nil when the route has no JWT (or Cognito) authorizer.
// The claims were verified by API Gateway; apps that verify bearer tokens
// themselves (sdk/auth) do not need this.
func AuthorizerFrom(ctx context.Context) *Authorizer {
	l, _ := ctx.Value(authorizerKey{}).(*lazyAuthorizer)
	if l == nil {
		return nil
	}
	l.once.Do(func() {
		s := scanner{b: []byte(l.raw)}
		claims, _ := s.value().(map[string]any)
		if s.err != nil || claims == nil {
			return
		}
		var scopes []string
		if l.scopes != "" {
			ss := scanner{b: []byte(l.scopes)}
			if scopes = ss.stringSlice(); ss.err != nil {
				scopes = nil
			}
		}
		l.a = &Authorizer{Claims: claims, Scopes: scopes}
	})
	return l.a
}

// authContext is the request's context when an authorizer is present: it
// answers AuthorizerFrom's key itself and lives in the httpState, so it
// costs no allocation of its own.
type authContext struct {
	context.Context
	auth *lazyAuthorizer
}

// Value implements context.Context.
func (c *authContext) Value(key any) any {
	if _, ok := key.(authorizerKey); ok {
		return c.auth
	}
	return c.Context.Value(key)
}

// errUnknownEvent is returned for payloads the shim does not recognise.
func errUnknownEvent(what string) error {
	return sdk.Errorf(sdk.CodeInvalidInput, "awslambda: unsupported event: %s", what)
}
