package azurefunc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faaskit/faas/sdk"
)

// HTTPTrigger is Data["req"] of a JSON-mode HTTP invocation
// (HttpRequestExtensions.GetRequestAsJObject in the host).
type HTTPTrigger struct {
	URL        string                     `json:"Url"`
	Method     string                     `json:"Method"`
	Query      map[string]string          `json:"Query"` // values of a repeated key joined with ","; Url is used instead
	Headers    map[string]json.RawMessage `json:"Headers"`
	Params     map[string]string          `json:"Params"`
	Identities json.RawMessage            `json:"Identities"`
	Body       json.RawMessage            `json:"Body"`
}

// invokeHTTP serves a JSON-mode HTTP invocation: it rebuilds the request,
// runs f and captures the response as an http output binding value.
func (h *Handler) invokeHTTP(ctx context.Context, f *sdk.Function, req *InvokeRequest) (*HTTPOutput, error) {
	var t HTTPTrigger
	raw, ok := req.Data[BindingHTTPRequest]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: %s: Data has no %q binding", f.Name(), BindingHTTPRequest)
	}
	if err := Object(raw, &t); err != nil {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "azurefunc: %s: http trigger: %w", f.Name(), err)
	}
	r, err := t.request(ctx, h.prefix)
	if err != nil {
		return nil, sdk.Wrap(sdk.CodeInvalidInput, fmt.Errorf("azurefunc: %s: %w", f.Name(), err))
	}
	rec := &bufferedWriter{header: http.Header{}}
	provider.Handler(f).ServeHTTP(rec, r)
	return rec.output(ctx), nil
}

// request rebuilds the client's request from the trigger data.
func (t *HTTPTrigger) request(ctx context.Context, prefix string) (*http.Request, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, fmt.Errorf("request Url %q: %w", t.URL, err)
	}
	if rest, ok := cutPrefix(u.Path, prefix); ok && prefix != "" {
		u.Path = rest
		if u.RawPath != "" {
			u.RawPath = u.RawPath[len(prefix):]
		}
	}
	hdr := http.Header{}
	for k, v := range t.Headers {
		var vals []string
		if err := json.Unmarshal(v, &vals); err != nil {
			vals = []string{Scalar(v)}
		}
		for _, s := range vals {
			hdr.Add(k, s)
		}
	}
	body := t.body(hdr.Get("Content-Type"))
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	r.Header = hdr
	r.Host = u.Host
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = hdr.Get("X-Forwarded-For")
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	return r, nil
}

// body decodes Body: a plain string for text, base64 for
// application/octet-stream and multipart (the host sends those as byte[]),
// a JSON value if the host parsed it. Absent for chunked uploads.
func (t *HTTPTrigger) body(contentType string) []byte {
	raw := bytes.TrimSpace(t.Body)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' {
		return []byte(raw)
	}
	if octetOrMultipart(contentType) {
		return Bytes(raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return []byte(raw)
	}
	return []byte(s)
}

func octetOrMultipart(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/")
}

// bufferedWriter captures a JSON-mode HTTP response.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// output converts the captured response. The host's http output binding
// carries single-string headers and a string body that it writes as UTF-8
// text (it does not base64-decode http outputs), so repeated headers are
// joined with ", " and a non-UTF-8 body cannot be carried: it is logged.
// Forwarding mode, which azuredeploy generates, has neither limit.
func (b *bufferedWriter) output(ctx context.Context) *HTTPOutput {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	out := &HTTPOutput{StatusCode: strconv.Itoa(b.status), Status: strconv.Itoa(b.status), Headers: map[string]string{}}
	for k, v := range b.header {
		out.Headers[k] = strings.Join(v, ", ")
	}
	if !utf8.Valid(b.body.Bytes()) {
		sdk.Logger(ctx).Warn("azurefunc: binary HTTP response body in JSON mode is not representable; enable customHandler.enableForwardingHttpRequest")
	}
	out.Body = b.body.String()
	return out
}
