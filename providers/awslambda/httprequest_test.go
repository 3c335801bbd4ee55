package awslambda_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/providers/awslambda"
	"github.com/faaskit/faas/sdk"
)

// request is what a handler saw of its *http.Request.
type request struct {
	method, path, rawPath, rawQuery, uri, host, remote string
	header                                             http.Header
	body                                               string
	length                                             int64
}

func (r request) String() string {
	return fmt.Sprintf("%s path %q raw %q query %q uri %q host %q remote %q body %q (%d)\nheader %v",
		r.method, r.path, r.rawPath, r.rawQuery, r.uri, r.host, r.remote, r.body, r.length, r.header)
}

// capture returns a Handler whose function records each request into got
// and answers 204.
func capture(t *testing.T, got *request) *awslambda.Handler {
	t.Helper()
	app := sdk.New("requests", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = request{method: r.Method, path: r.URL.Path, rawPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, uri: r.RequestURI,
			host: r.Host, remote: r.RemoteAddr, header: r.Header.Clone(), body: string(b), length: r.ContentLength}
		w.WriteHeader(http.StatusNoContent)
	}), nil)
	h, err := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// expectedV2 is the request an HTTP API (payload 2.0) or Function URL
// event must give, built from aws-lambda-go's own decoding of it.
func expectedV2(t *testing.T, payload []byte) request {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	want := request{method: ev.RequestContext.HTTP.Method, rawPath: ev.RawPath, rawQuery: ev.RawQueryString,
		host: ev.RequestContext.DomainName, remote: ev.RequestContext.HTTP.SourceIP, header: http.Header{}}
	if want.rawPath == "" {
		want.rawPath = "/"
	}
	want.path, _ = url.PathUnescape(want.rawPath)
	want.uri = want.rawPath
	if want.rawQuery != "" {
		want.uri += "?" + want.rawQuery
	}
	for k, v := range ev.Headers {
		want.header.Add(k, v)
	}
	if h, ok := want.header["Host"]; ok {
		want.host = h[0]
		delete(want.header, "Host")
	}
	if len(ev.Cookies) > 0 {
		want.header["Cookie"] = []string{strings.Join(ev.Cookies, "; ")}
	}
	want.body = decodeBody(t, ev.Body, ev.IsBase64Encoded)
	return want
}

// expectedV1 is the request a REST API (v1 proxy) event must give; the
// query is compared decoded, as its order is not kept by a Go map.
func expectedV1(t *testing.T, payload []byte) (request, url.Values) {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	want := request{method: ev.HTTPMethod, path: ev.Path, host: ev.RequestContext.DomainName, remote: ev.RequestContext.Identity.SourceIP, header: http.Header{}}
	if ev.MultiValueHeaders != nil {
		for k, vs := range ev.MultiValueHeaders {
			for _, v := range vs {
				want.header.Add(k, v)
			}
		}
	} else {
		for k, v := range ev.Headers {
			want.header.Add(k, v)
		}
	}
	if h, ok := want.header["Host"]; ok {
		want.host = h[0]
		delete(want.header, "Host")
	}
	q := url.Values{}
	if ev.MultiValueQueryStringParameters != nil {
		for k, vs := range ev.MultiValueQueryStringParameters {
			q[k] = vs
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	want.body = decodeBody(t, ev.Body, ev.IsBase64Encoded)
	return want, q
}

// replace replaces each old string of the pairs in s, once; the test
// fails if one is missing, so that a variant never silently equals its
// sample.
func replace(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("the sample has no %s", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func decodeBody(t *testing.T, body string, b64 bool) string {
	t.Helper()
	if !b64 {
		return body
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHTTPRequestFields checks, for the samples and for variants with
// the unusual cases (escapes in every field, repeated and uncommon header
// names, a base64 body with escaped slashes, no path), that the request
// a function sees carries exactly what aws-lambda-go decodes from the
// event.
func TestHTTPRequestFields(t *testing.T) {
	v2 := string(fixture(t, "apigw-v2-request-jwt-authorizer.json"))
	variants := map[string]string{
		"apigw-v2-request-jwt-authorizer.json": v2,
		"apigw-v2-request-iam.json":            string(fixture(t, "apigw-v2-request-iam.json")),
		"apigw-v2-request-no-authorizer.json":  string(fixture(t, "apigw-v2-request-no-authorizer.json")),
		"lambda-urls-request.json":             string(fixture(t, "lambda-urls-request.json")),
		"v2 escapes": replace(t, v2,
			`"Header1": "value1"`, `"Header1": "v\u00e9\"q\\\/\ud83d\ude00", "X-Custom_Name.v2": "a\tb", "ACCEPT": "x/y", "accept": "z/w", "host": "h\u002eexample.com", "a-very-long-header-name-that-is-not-common": "1", "x-\u00e9": "not a token"`,
			`"rawPath": "/my/path"`, `"rawPath": "\/my\/a%2Fb\/c%20d%C3%A9"`,
			`"rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value"`, `"rawQueryString": "q=\u00e9&r=%20"`,
			`"cookies": [`, `"cookies": ["c\u003d1", `,
			`"method": "GET"`, `"method": "P\u004fST"`,
			`"sourceIp": "IP"`, `"sourceIp": "203.0.113.\u0037"`,
		),
		"v2 base64 body": replace(t, string(fixture(t, "lambda-urls-request.json")),
			`"body": "Hello from client!"`, `"body": "\/\/\/\/AAH\/"`, `"isBase64Encoded": false`, `"isBase64Encoded": true`),
		"v2 no path, no query, no cookies": replace(t, v2, `"rawPath": "/my/path"`, `"rawPath": ""`,
			`"rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value"`, `"rawQueryString": ""`, `"cookies": [`, `"cookiesX": [`),
	}
	for _, name := range slices.Sorted(maps.Keys(variants)) {
		payload := variants[name]
		t.Run(name, func(t *testing.T) {
			var got request
			if _, err := capture(t, &got).Invoke(invokeCtx(t), []byte(payload)); err != nil {
				t.Fatal(err)
			}
			want := expectedV2(t, []byte(payload))
			want.length = int64(len(want.body))
			if !equalRequest(got, want) {
				t.Errorf("handler saw\n%v\nwant\n%v", got, want)
			}
		})
	}

	v1 := string(fixture(t, "apigw-request.json"))
	v1Variants := map[string]string{
		"apigw-request.json":                 v1,
		"apigw-restapi-openapi-request.json": string(fixture(t, "apigw-restapi-openapi-request.json")),
		"v1 empty multiValueHeaders":         strings.Replace(v1, `"multiValueHeaders": {`, `"multiValueHeaders": {}, "multiValueHeadersX": {`, 1),
		"v1 single-value only": strings.NewReplacer(`"multiValueHeaders": {`, `"multiValueHeadersX": {`,
			`"multiValueQueryStringParameters": {`, `"multiValueQueryStringParametersX": {`).Replace(v1),
		"v1 escapes": strings.NewReplacer(`"name": [`, `"n\u00e4me&=": ["a b&c=d", `, `"path": "/hello/world"`, `"path": "/hello w\u00f6rld"`).Replace(v1),
	}
	for _, name := range slices.Sorted(maps.Keys(v1Variants)) {
		payload := v1Variants[name]
		t.Run(name, func(t *testing.T) {
			var got request
			if _, err := capture(t, &got).Invoke(invokeCtx(t), []byte(payload)); err != nil {
				t.Fatal(err)
			}
			want, query := expectedV1(t, []byte(payload))
			want.length = int64(len(want.body))
			u := &url.URL{Path: want.path}
			want.rawPath, want.rawQuery, want.uri = u.EscapedPath(), got.rawQuery, u.EscapedPath()+"?"+got.rawQuery
			if gq, err := url.ParseQuery(got.rawQuery); err != nil || !maps.EqualFunc(gq, query, slices.Equal) {
				t.Errorf("query %q (%v); want %v", got.rawQuery, err, query)
			}
			if !equalRequest(got, want) {
				t.Errorf("handler saw\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestALBRequestFields checks that ALB's path and query reach the
// function exactly as the client sent them (ALB decodes neither), in
// single- and multi-value mode.
func TestALBRequestFields(t *testing.T) {
	single := replace(t, string(fixture(t, "alb-lambda-target-request-headers-only.json")),
		`"path": "/"`, `"path": "/a%2Fb/c"`, `"queryStringParameters": {`, `"queryStringParameters": {"x": "1%202", "y\u0021": "a+b",`)
	multi := replace(t, string(fixture(t, "alb-lambda-target-request-multivalue-headers.json")),
		`"path": "/"`, `"path": "/a%2Fb/c"`, `"multiValueQueryStringParameters": {`, `"multiValueQueryStringParameters": {"x": ["1%202", "3"],`)
	for _, c := range []struct {
		name, payload string
		query         []string // the parameters, in any order
	}{
		{"single", single, []string{"x=1%202", "y!=a+b", "key=hello"}},
		{"multi", multi, []string{"x=1%202", "x=3", "key=hello"}},
	} {
		var got request
		if _, err := capture(t, &got).Invoke(invokeCtx(t), []byte(c.payload)); err != nil {
			t.Fatal(err)
		}
		params := strings.Split(got.rawQuery, "&")
		slices.Sort(params)
		slices.Sort(c.query)
		if got.rawPath != "/a%2Fb/c" || got.path != "/a/b/c" || !slices.Equal(params, c.query) || got.uri != "/a%2Fb/c?"+got.rawQuery {
			t.Errorf("%s: handler saw %v; want the path and query %v as sent", c.name, got, c.query)
		}
		if got.header.Get("X-Myheader") != "123" || got.header.Get("Host") != "" || !strings.HasPrefix(got.host, "lambda-test-alb") {
			t.Errorf("%s: headers %v host %q", c.name, got.header, got.host)
		}
	}
}

// equalRequest compares two requests; the values of a header name are
// compared in any order, as aws-lambda-go's map loses the order of names
// that differ only in case.
func equalRequest(a, b request) bool {
	sameValues := func(x, y []string) bool {
		return slices.Equal(slices.Sorted(slices.Values(x)), slices.Sorted(slices.Values(y)))
	}
	return a.method == b.method && a.path == b.path && a.rawPath == b.rawPath && a.rawQuery == b.rawQuery && a.uri == b.uri &&
		a.host == b.host && a.remote == b.remote && a.body == b.body && a.length == b.length &&
		maps.EqualFunc(a.header, b.header, sameValues)
}

// TestHTTPConcurrentInvocations runs many invocations at once, as Lambda
// Managed Instances do, each with its own path, header, body and response
// header: the pooled decoding and response buffers must never mix them.
func TestHTTPConcurrentInvocations(t *testing.T) {
	app := sdk.New("concurrent", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-Id")
		if r.URL.Path != "/items/"+id || string(b) != `{"id":"`+id+`"}` || r.Header.Get("X-Only-"+id) != id {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Echo-"+id, id)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}), nil)
	h, err := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := fmt.Sprintf("%d-%d", g, i)
				ev := fmt.Sprintf(`{"version":"2.0","rawPath":"/items/%[1]s","headers":{"x-id":"%[1]s","x-only-%[1]s":"%[1]s"},"body":"{\"id\":\"%[1]s\"}",`+
					`"requestContext":{"http":{"method":"POST","sourceIp":"127.0.0.1"},"requestId":"r-%[1]s"}}`, id)
				out, err := h.Invoke(invokeCtx(t), []byte(ev))
				var resp events.APIGatewayV2HTTPResponse
				if err == nil {
					err = json.Unmarshal(out, &resp)
				}
				if err != nil || resp.StatusCode != 200 || resp.Body != `{"id":"`+id+`"}` || len(resp.Headers) != 2 || resp.Headers["X-Echo-"+id] != id {
					t.Errorf("invocation %s: %s (%v)", id, out, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestResponseLargeAndSmall checks both ways the response is rendered
// (small ones copied out of a pooled buffer, large ones in their own)
// and that a response does not inherit the previous one's headers.
func TestResponseLargeAndSmall(t *testing.T) {
	sizes := []int{0, 10, 5000, 100, 1 << 20, 3}
	i := 0
	app := sdk.New("sizes", nil)
	app.HTTP("web", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := sizes[i]
		w.Header().Set(fmt.Sprintf("X-Size-%d", n), "1")
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte{'x'}, n))
	}), nil)
	h, _ := awslambda.NewHandler(app, "web", &awslambda.HandlerOptions{Log: io.Discard})
	ev := `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}`
	for i = range sizes {
		out, err := h.Invoke(invokeCtx(t), []byte(ev))
		var resp events.APIGatewayV2HTTPResponse
		if err == nil {
			err = json.Unmarshal(out, &resp)
		}
		if err != nil || len(resp.Body) != sizes[i] || len(resp.Headers) != 2 || resp.Headers[fmt.Sprintf("X-Size-%d", sizes[i])] != "1" {
			t.Errorf("response %d: %d-byte body, headers %v (%v)", i, len(resp.Body), resp.Headers, err)
		}
	}
}
