package awslambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json"
)

// httpState is what one HTTP invocation keeps besides the header map,
// allocated at once.
type httpState struct {
	invState
	url   url.URL
	sbody stringBody
	bbody bytesBody
	auth  lazyAuthorizer
	actx  authContext
}

// httpParts is what every HTTP format gives the request besides its URL.
type httpParts struct {
	method, host, remote, requestID string
	header                          http.Header
	uri                             string // the request URI, when the URL's own is not it
}

// requestV2 turns an HTTP API (payload 2.0) or Function URL event into the
// *http.Request the function sees, exactly: the raw (still escaped) path,
// the raw query string, every header (values API Gateway joined with
// commas stay joined), the cookies array as one Cookie header, and the
// body decoded from base64. The strings are the decoded event's own; the
// body is read in place, from the event or from e's pooled buffer, so it
// is valid until ServeHTTP returns, as net/http specifies.
func requestV2(ctx context.Context, st *httpState, e *v2Event) (*http.Request, error) {
	ev := &e.ev
	rc := &ev.RequestContext
	if rc.HTTP.Method == "" {
		return nil, errUnknownEvent("HTTP event without a method")
	}
	u := &st.url
	if err := setRawPath(u, ev.RawPath); err != nil {
		return nil, err
	}
	u.RawQuery = ev.RawQueryString
	p := httpParts{method: rc.HTTP.Method, host: rc.DomainName, remote: rc.HTTP.SourceIP, requestID: rc.RequestID}
	// One allocation holds the strings the request derives from the
	// event: its URI, the Cookie header and the raw JWT claims and scopes.
	var a strings.Builder
	uri := ev.RawPath != "" && u.EscapedPath() == ev.RawPath
	jwt := &e.auth.JWT
	size := len(jwt.Claims) + len(jwt.Scopes)
	if uri {
		size += len(ev.RawPath) + 1 + len(ev.RawQueryString)
	}
	for _, c := range ev.Cookies {
		size += len(c) + 2
	}
	a.Grow(size)
	if uri {
		if ev.RawQueryString == "" {
			p.uri = ev.RawPath
		} else {
			a.WriteString(ev.RawPath)
			a.WriteByte('?')
			a.WriteString(ev.RawQueryString)
			p.uri = a.String()
		}
	}
	var spare []string
	p.header, spare = singleHeaders(ev.Headers, min(len(ev.Cookies), 1))
	if len(ev.Cookies) > 0 {
		// Function URLs may also copy cookies into the cookie header;
		// the array is authoritative, so it replaces the header.
		start := a.Len()
		for i, c := range ev.Cookies {
			if i > 0 {
				a.WriteString("; ")
			}
			a.WriteString(c)
		}
		spare[0] = a.String()[start:]
		p.header["Cookie"] = spare[:1:1]
	}
	if e.hasJWT() && len(jwt.Claims) > 0 {
		start := a.Len()
		a.Write(jwt.Claims)
		mid := a.Len()
		a.Write(jwt.Scopes)
		all := a.String()
		st.auth.raw, st.auth.scopes = all[start:mid], all[mid:]
	}
	if ev.IsBase64Encoded && ev.Body != "" {
		b, err := appendBase64(e.scratch[:0], ev.Body)
		if err != nil {
			return nil, err
		}
		e.scratch = b
		st.bbody.Reset(b)
		return newRequest(ctx, st, &p, &st.bbody, len(b)), nil
	}
	st.sbody.Reset(ev.Body)
	return newRequest(ctx, st, &p, &st.sbody, len(ev.Body)), nil
}

// requestV1 turns a REST API (v1 proxy) event into the function's
// *http.Request: the path as API Gateway decoded it, the query rebuilt
// from the multi-value parameters (or the single-value ones), every
// header value (multi-value headers preferred), the body decoded from
// base64. A Cognito authorizer's claims are available to AuthorizerFrom.
func requestV1(ctx context.Context, st *httpState, ev *events.APIGatewayProxyRequest) (*http.Request, error) {
	if ev.HTTPMethod == "" {
		return nil, errUnknownEvent("HTTP event without a method")
	}
	rc := &ev.RequestContext
	p := httpParts{method: ev.HTTPMethod, host: rc.DomainName, remote: rc.Identity.SourceIP, requestID: rc.RequestID}
	st.url.Path = ev.Path
	st.url.RawQuery = encodeQuery(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, true)
	if ev.MultiValueHeaders != nil {
		p.header = multiHeaders(ev.MultiValueHeaders)
	} else {
		p.header, _ = singleHeaders(ev.Headers, 0)
	}
	if claims, ok := rc.Authorizer["claims"].(map[string]any); ok {
		st.auth.claims = claims
	}
	return bodyRequest(ctx, st, &p, ev.Body, ev.IsBase64Encoded)
}

// requestALB turns an ALB event into the function's *http.Request: the
// path and query exactly as the client sent them (ALB decodes neither),
// every header value (multi-value headers in multi-value mode), the body
// decoded from base64.
func requestALB(ctx context.Context, st *httpState, ev *events.ALBTargetGroupRequest) (*http.Request, error) {
	p := httpParts{method: ev.HTTPMethod}
	if err := setRawPath(&st.url, ev.Path); err != nil {
		return nil, err
	}
	st.url.RawQuery = encodeQuery(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, false)
	if ev.MultiValueHeaders != nil {
		p.header = multiHeaders(ev.MultiValueHeaders)
	} else {
		p.header, _ = singleHeaders(ev.Headers, 0)
	}
	return bodyRequest(ctx, st, &p, ev.Body, ev.IsBase64Encoded)
}

// albFormat returns the format of an ALB event: multi-value when the
// target group sent multi-value headers or query parameters.
func albFormat(ev *events.ALBTargetGroupRequest) httpFormat {
	if ev.MultiValueHeaders != nil || ev.MultiValueQueryStringParameters != nil {
		return formatALBMulti
	}
	return formatALB
}

// bodyRequest finishes a v1 or ALB request with its body.
func bodyRequest(ctx context.Context, st *httpState, p *httpParts, body string, b64 bool) (*http.Request, error) {
	if b64 && body != "" {
		b, err := appendBase64(nil, body)
		if err != nil {
			return nil, err
		}
		st.bbody.Reset(b)
		return newRequest(ctx, st, p, &st.bbody, len(b)), nil
	}
	st.sbody.Reset(body)
	return newRequest(ctx, st, p, &st.sbody, len(body)), nil
}

// appendBase64 appends the base64-decoded body to dst.
func appendBase64(dst []byte, body string) ([]byte, error) {
	b, err := base64.StdEncoding.AppendDecode(dst, []byte(body))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "awslambda: request body is not valid base64: %w", err)
	}
	return b, nil
}

// newRequest assembles the request: st.url is set, body holds n bytes.
// The Host header becomes the request's Host (the event's domain name
// otherwise).
func newRequest(ctx context.Context, st *httpState, p *httpParts, body io.ReadCloser, n int) *http.Request {
	u := &st.url
	if u.Path == "" {
		u.Path = "/"
	}
	uri := p.uri
	if uri == "" {
		uri = u.RequestURI()
	}
	host := p.host
	if v, ok := p.header["Host"]; ok {
		if len(v) > 0 {
			host = v[0]
		}
		delete(p.header, "Host")
	}
	if st.inv.ID == "" {
		// Outside Lambda the request ID stands in for the invocation ID.
		st.setID(p.requestID)
	}
	r := &http.Request{
		Method:     p.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     p.header,
		Host:       host,
		RemoteAddr: p.remote,
		RequestURI: uri,
		Body:       http.NoBody,
	}
	if n > 0 {
		r.Body, r.ContentLength = body, int64(n)
	}
	if st.auth.raw != "" || st.auth.claims != nil {
		st.actx = authContext{Context: ctx, auth: &st.auth}
		ctx = &st.actx
	}
	return r.WithContext(ctx)
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

// stringBody is a request body read in place from the event's body string.
type stringBody struct{ strings.Reader }

// Close implements io.Closer.
func (*stringBody) Close() error { return nil }

// bytesBody is a request body read in place from decoded bytes.
type bytesBody struct{ bytes.Reader }

// Close implements io.Closer.
func (*bytesBody) Close() error { return nil }

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

// lazyAuthorizer holds an HTTP API JWT authorizer's raw claims and
// scopes, decoded on the first AuthorizerFrom, so requests whose handler
// never asks pay only a copy; or a REST API Cognito authorizer's claims,
// decoded with the event.
type lazyAuthorizer struct {
	raw, scopes string // JSON
	claims      map[string]any
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
		claims := l.claims
		if l.raw != "" && json.Unmarshal([]byte(l.raw), &claims, numberOptions) != nil {
			return
		}
		if claims == nil {
			return
		}
		var scopes []string
		if l.scopes != "" && json.Unmarshal([]byte(l.scopes), &scopes) != nil {
			scopes = nil
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
