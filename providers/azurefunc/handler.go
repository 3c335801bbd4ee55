package azurefunc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
)

// Options configures a Handler. Main fills it from the app's host.json
// (see LoadHostConfig).
type Options struct {
	// RoutePrefix is host.json extensions.http.routePrefix, e.g. "api".
	// "" means no prefix: forwarded paths are the app's own paths.
	RoutePrefix string
	// Forwarding says that the host forwards HTTP requests
	// (customHandler.enableForwardingHttpRequest or
	// enableProxyingHttpRequest). When false, HTTP functions are invoked in
	// JSON mode.
	Forwarding bool
	// TriggerKey is the key in the Azure names of the app's message, blob
	// and schedule functions (TriggerFunctionName): the host invokes them at
	// /<name>_<key>, and at no other path. Required when the app has such a
	// function; Main reads it from the function folders.
	TriggerKey string
	// Log receives the structured JSON log lines of invocations (the host
	// collects the handler's stdout). Default os.Stdout.
	Log io.Writer
	// Level is the minimum level logged. Default slog.LevelInfo.
	Level slog.Leveler
}

// Handler is the custom handler's HTTP server logic: the readiness probe,
// forwarded HTTP requests and JSON-mode invocations. Create it with
// NewHandler; Main serves it on FUNCTIONS_CUSTOMHANDLER_PORT.
type Handler struct {
	app    *sdk.App
	prefix string          // "/api", or "" for none
	fwd    bool            // HTTP functions are forwarded, not JSON-invoked
	routes []*sdk.Function // HTTP functions, longest path first
	// invoke maps the Azure function name of each JSON-mode invocation
	// path (/<name>) to its function: non-HTTP functions under their keyed
	// names, and HTTP functions when forwarding is off.
	invoke map[string]*sdk.Function
	log    *lineWriter
	level  slog.Leveler
}

// NewHandler returns a Handler dispatching to app. It fails if the app has
// registration errors or cannot be served under the Functions host's
// rules.
func NewHandler(app *sdk.App, opts *Options) (*Handler, error) {
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("azurefunc: %w", err)
	}
	if opts == nil {
		opts = &Options{}
	}
	h := &Handler{app: app, log: &lineWriter{out: opts.Log}, level: opts.Level, fwd: opts.Forwarding, invoke: map[string]*sdk.Function{}}
	if h.log.out == nil {
		h.log.out = os.Stdout
	}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	if p := strings.Trim(opts.RoutePrefix, "/"); p != "" {
		h.prefix = "/" + p
	}
	for _, f := range app.Functions() {
		if err := CheckFunctionName(f.Name()); err != nil {
			return nil, err
		}
		if h.prefix != "" && strings.EqualFold("/"+f.Name(), h.prefix) {
			return nil, fmt.Errorf("azurefunc: function %q: the name collides with the HTTP route prefix %q; rename the function", f.Name(), h.prefix)
		}
		switch {
		case f.Kind() == sdk.KindHTTP:
			h.routes = append(h.routes, f)
			if !h.fwd {
				h.invoke[f.Name()] = f
			}
		case CheckTriggerKey(opts.TriggerKey) != nil:
			return nil, fmt.Errorf("azurefunc: function %q is a %s function, and the app has no trigger key to deliver it on a path no public request can have: %w", f.Name(), f.Kind(), CheckTriggerKey(opts.TriggerKey))
		default:
			h.invoke[TriggerFunctionName(f.Name(), opts.TriggerKey)] = f
		}
	}
	slices.SortStableFunc(h.routes, func(a, b *sdk.Function) int { return len(b.Path()) - len(a.Path()) })
	return h, nil
}

// ServeHTTP implements http.Handler. The host sends three kinds of
// request to the same port, told apart as the host does:
//
//   - the readiness probe: GET / without an invocation ID;
//   - JSON-mode invocations: POST /<Azure function name> with an invocation
//     ID, for every non-HTTP function (whose Azure name carries the
//     trigger key), and for HTTP functions when forwarding is off;
//   - forwarded HTTP requests: anything else under the route prefix.
//
// A forwarded request also arrives as a POST with an invocation ID at the
// public request's own path, so the path alone decides: a non-HTTP
// function is only reachable at its keyed name, which no client knows, and
// the app's own routes (say /stats) are never taken for a trigger.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	id := invocationID(r.Header)
	if r.Method == http.MethodPost && id != "" && len(p) > 1 {
		if f, ok := h.invoke[p[1:]]; ok {
			h.serveInvoke(w, r, f, id)
			return
		}
	}
	if p == "/" && id == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// The host's readiness probe: any HTTP answer means ready.
		w.WriteHeader(http.StatusOK)
		return
	}
	if h.prefix == "" {
		h.serveForwarded(w, r, p, id)
		return
	}
	if rest, ok := cutPrefix(p, h.prefix); ok {
		h.serveForwarded(w, r, rest, id)
		return
	}
	sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "azurefunc: no function serves %s %s", r.Method, p))
}

// cutPrefix reports whether p is prefix or lies below it, and returns the
// rest ("/" at least).
func cutPrefix(p, prefix string) (string, bool) {
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	rest := p[len(prefix):]
	switch {
	case rest == "":
		return "/", true
	case rest[0] == '/':
		return rest, true
	}
	return "", false
}

// route returns the HTTP function whose Path is the longest prefix of p,
// matching whole segments.
func (h *Handler) route(p string) *sdk.Function {
	for _, f := range h.routes {
		fp := f.Path()
		if fp == "/" || p == fp || (strings.HasPrefix(p, fp) && (fp[len(fp)-1] == '/' || p[len(fp)] == '/')) {
			return f
		}
	}
	return nil
}

// call is everything one invocation allocates: the Invocation, its lazy
// logger and the handler behind it.
type call struct {
	dl     deadlineCtx
	inv    sdk.Invocation
	lh     invLogHandler
	logger slog.Logger
}

// begin attaches a new invocation of f with the host's invocation id (a
// new one if empty) to ctx, with a deadline of f's timeout. Log lines go
// to out. The caller must stop the returned deadline when the invocation
// ends.
func (h *Handler) begin(ctx context.Context, f *sdk.Function, id string, r *http.Request, out io.Writer) (context.Context, *deadlineCtx) {
	c := &call{}
	if id == "" {
		id = newID()
	}
	deadline := time.Now().Add(f.Timeout())
	c.inv = sdk.Invocation{ID: id, Function: f.Name(), TraceID: traceID(headerValue(r.Header, "Traceparent")), Deadline: deadline, Provider: "azure"}
	c.lh = invLogHandler{out: out, id: id, fn: f.Name(), level: h.level}
	c.logger = *slog.New(&c.lh)
	c.inv.Logger = &c.logger
	c.dl.init(ctx, deadline)
	return provider.NewContext(&c.dl, &c.inv), &c.dl
}

// canonicalInvocationID is HeaderInvocationID in net/http's canonical form
// ("...-Invocationid"), so that the per-request lookup skips
// canonicalisation.
var canonicalInvocationID = http.CanonicalHeaderKey(HeaderInvocationID)

// headerValue is Header.Get for a key already in canonical form.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// invocationID returns the host's invocation ID. The host adds its own
// value after the headers it copies from a forwarded client request
// (HttpHeaders.Add), and .NET joins repeated values with ", ", so the
// host's value is the last one: a client cannot choose the ID.
func invocationID(h http.Header) string {
	v := h[canonicalInvocationID]
	if len(v) == 0 {
		return ""
	}
	last := v[len(v)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = strings.TrimSpace(last[i+1:])
	}
	return last
}

// traceID returns the trace-id field of a W3C traceparent header.
func traceID(tp string) string {
	if len(tp) >= 55 && tp[2] == '-' && tp[35] == '-' {
		return tp[3:35]
	}
	return ""
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// serveForwarded serves a request the host forwarded unchanged, at path p
// below the route prefix.
func (h *Handler) serveForwarded(w http.ResponseWriter, r *http.Request, p, id string) {
	f := h.route(p)
	if f == nil {
		sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "azurefunc: no HTTP function serves %s", p))
		return
	}
	ctx, dl := h.begin(r.Context(), f, id, r, h.log)
	defer dl.stop()
	r2 := r.WithContext(ctx)
	if p != r.URL.Path {
		u := *r.URL
		u.Path = p
		if u.RawPath != "" {
			u.RawPath = u.RawPath[len(h.prefix):]
			if u.RawPath == "" {
				u.RawPath = "/"
			}
		}
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
	}
	provider.Handler(f).ServeHTTP(w, r2)
}
