package funchost

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// ServeHTTP is the app's public HTTP endpoint. It routes the request by
// the functions' httpTrigger routes (below host.json's route prefix) and
// either forwards it to the handler unchanged, at the same path, when
// host.json enables forwarding or proxying, or invokes the function in
// JSON mode.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fn, ok := h.match(r.URL.Path, r.Method)
	if !ok {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "funchost: no function route matches %s %s", r.Method, r.URL.Path))
		return
	}
	ch := h.cfg.CustomHandler
	if (ch.EnableForwardingHTTPRequest || ch.EnableProxyingHTTPRequest) && h.funcs[fn].PureHTTP() {
		h.forward(w, r)
		return
	}
	h.invokeHTTP(w, r, fn)
}

// forward sends the request on to the handler as the host does in
// forwarding mode (DefaultHttpWorkerService.ProcessHttpInAndOutInvocationRequest):
// same method, path (AbsolutePath, escaping kept — so a public POST
// /<FunctionName> arrives where the host also delivers that function's
// triggers), query, headers and body, plus the invocation headers added
// after the client's own (HttpHeaders.Add: a client-sent invocation ID
// stays in front of the host's); the raw response comes back, redirects
// not followed.
func (h *Host) forward(w http.ResponseWriter, r *http.Request) {
	target, _ := url.Parse(h.base)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = target.Scheme, target.Host
			pr.Out.Host = pr.In.Host
			hdr := pr.Out.Header
			hdr.Add("X-Azure-Functions-HostVersion", HostVersion)
			hdr.Add("X-Azure-Functions-InvocationId", newGUID())
			hdr.Set("User-Agent", strings.TrimSpace(hdr.Get("User-Agent")+" Azure-Functions-Host/"+HostVersion))
		},
		Transport: h.client.Transport,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			sdk.WriteError(w, sdk.Errorf(sdk.CodeUnavailable, "funchost: forwarding to the handler: %v", err))
		},
	}
	rp.ServeHTTP(w, r)
}

// invokeHTTP runs an HTTP function in JSON mode: the request becomes
// Data.req as the host builds it (GetRequestAsJObject) and Outputs.res
// becomes the response.
func (h *Host) invokeHTTP(w http.ResponseWriter, r *http.Request, fn string) {
	req, err := requestObject(w, r)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		sdk.WriteJSON(w, http.StatusRequestEntityTooLarge, sdk.ErrorBody{Error: sdk.ErrorDetail{Code: sdk.CodeInvalidInput.String(),
			Message: fmt.Sprintf("funchost: the request body is over the Functions host's %d MiB limit", MaxRequestBody>>20)}})
		return
	}
	if err != nil {
		sdk.WriteError(w, sdk.Wrap(sdk.CodeInvalidInput, err))
		return
	}
	ir, err := h.invoke(r.Context(), fn, map[string]any{"req": req}, nil)
	if err != nil {
		// The host answers a failed HTTP invocation with 500.
		sdk.WriteError(w, sdk.Wrap(sdk.CodeInternal, err))
		return
	}
	var out struct {
		StatusCode string            `json:"statusCode"`
		Status     string            `json:"status"`
		Headers    map[string]string `json:"headers"`
		Body       json.RawMessage   `json:"body"`
	}
	raw, ok := ir.Outputs["res"]
	if !ok {
		raw = ir.ReturnValue
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeInternal, "funchost: %s: http output: %w", fn, err))
		return
	}
	status, err := strconv.Atoi(out.StatusCode)
	if err != nil {
		status, _ = strconv.Atoi(out.Status)
	}
	if status == 0 {
		status = http.StatusOK
	}
	for k, v := range out.Headers {
		w.Header().Set(k, v)
	}
	var body []byte
	var s string
	if json.Unmarshal(out.Body, &s) == nil {
		body = []byte(s) // the host writes http output strings as they are
	} else if len(out.Body) > 0 && string(out.Body) != "null" {
		body = out.Body
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// MaxRequestBody is the largest request body the host buffers for a
// JSON-mode HTTP invocation (the Functions host's 100 MB request limit);
// larger bodies get 413 instead of growing the emulator's memory.
const MaxRequestBody = 100 << 20

// requestObject builds Data.req: Body is a string, base64 for
// application/octet-stream and multipart, and absent without a positive
// Content-Length.
func requestObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	headers := map[string][]string{}
	for k, v := range r.Header {
		headers[k] = v
	}
	obj := map[string]any{"Url": u.String(), "Method": r.Method, "Query": query, "Headers": headers, "Params": map[string]string{}, "Identities": []any{}}
	if r.ContentLength > MaxRequestBody {
		return nil, &http.MaxBytesError{Limit: MaxRequestBody}
	}
	if r.ContentLength > 0 {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
		if err != nil {
			return nil, err
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/") {
			obj["Body"] = base64.StdEncoding.EncodeToString(b)
		} else {
			obj["Body"] = string(b)
		}
	}
	return obj, nil
}
