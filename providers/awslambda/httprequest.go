package awslambda

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/faaskit/faas/sdk"
)

// newRequest turns a decoded HTTP event into the *http.Request the
// function sees, exactly: the raw (still escaped) path where the platform
// keeps it, every query value in order, every header value, the v2
// cookies array as one Cookie header, and the body decoded from base64.
func newRequest(ctx context.Context, e *httpEvent, f httpFormat) (*http.Request, error) {
	body, err := e.bodyBytes()
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "awslambda: request body is not valid base64: %w", err)
	}
	u := &url.URL{}
	method := e.method
	h := e.headers
	switch f {
	case formatV2:
		method = e.ctxMethod
		if err := setRawPath(u, e.rawPath); err != nil {
			return nil, err
		}
		u.RawQuery = e.rawQuery
		if e.hasCookie && len(e.cookies) > 0 {
			// Function URLs may also copy cookies into the cookie header;
			// the array is authoritative, so it replaces the header.
			if h == nil {
				h = make(http.Header, 1)
			}
			h["Cookie"] = []string{strings.Join(e.cookies, "; ")}
		}
	case formatV1:
		u.Path = e.path
		if e.mvHeaders != nil {
			h = e.mvHeaders
		}
		u.RawQuery = encodeQuery(e, url.QueryEscape)
	case formatALB, formatALBMulti:
		// ALB passes the path and query exactly as the client sent them.
		if err := setRawPath(u, e.path); err != nil {
			return nil, err
		}
		if f == formatALBMulti && e.mvHeaders != nil {
			h = e.mvHeaders
		}
		u.RawQuery = encodeQuery(e, nil)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if h == nil {
		h = make(http.Header)
	}
	host := e.domainName
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
		RemoteAddr: e.sourceIP,
		RequestURI: requestURI(u),
	}
	if len(body) > 0 {
		r.Body = &bodyReader{Reader: bytes.NewReader(body)}
		r.ContentLength = int64(len(body))
	} else {
		r.Body = http.NoBody
	}
	if e.claims != nil {
		ctx = withAuthorizer(ctx, e.claims, e.scopes)
	}
	return r.WithContext(ctx), nil
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
// escaped (ALB).
func encodeQuery(e *httpEvent, escape func(string) string) string {
	q := e.query
	if e.hasMVQ {
		q = e.mvQuery
	}
	if len(q) == 0 {
		return ""
	}
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		if escape != nil {
			b.WriteString(escape(p.k))
			b.WriteByte('=')
			b.WriteString(escape(p.v))
		} else {
			b.WriteString(p.k)
			b.WriteByte('=')
			b.WriteString(p.v)
		}
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
type bodyReader struct{ *bytes.Reader }

// Close implements io.Closer.
func (*bodyReader) Close() error { return nil }

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

// lazyAuthorizer holds the raw claims; they are decoded on the first
// AuthorizerFrom, so requests whose handler never asks pay only a copy.
type lazyAuthorizer struct {
	raw    []byte
	scopes []string
	once   sync.Once
	a      *Authorizer
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
		s := scanner{b: l.raw}
		claims, _ := s.value().(map[string]any)
		if s.err == nil && claims != nil {
			l.a = &Authorizer{Claims: claims, Scopes: l.scopes}
		}
	})
	return l.a
}

// withAuthorizer records the raw JWT claims in ctx (copied: the payload
// buffer is reused after the invocation).
func withAuthorizer(ctx context.Context, raw []byte, scopes []string) context.Context {
	return context.WithValue(ctx, authorizerKey{}, &lazyAuthorizer{raw: bytes.Clone(raw), scopes: scopes})
}

// errUnknownEvent is returned for payloads the shim does not recognise.
func errUnknownEvent(what string) error {
	return sdk.Errorf(sdk.CodeInvalidInput, "awslambda: unsupported event: %s", what)
}
