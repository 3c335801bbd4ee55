package awslambda

import (
	"context"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/faaskit/faas/sdk"
)

// Handler runs one function of an app for Lambda invocations. It
// implements aws-lambda-go's lambda.Handler: Invoke takes the raw event and
// returns the raw response, so the shim decodes each event exactly once,
// straight into the shape the function needs.
type Handler struct {
	fn  *sdk.Function
	log slog.Handler
}

var _ lambda.Handler = (*Handler)(nil)

// HandlerOptions configures NewHandler. The zero value is ready to use.
type HandlerOptions struct {
	// Log receives the function's structured logs, one JSON object per line
	// in Lambda's JSON log format. Default os.Stderr.
	Log io.Writer
	// LogLevel is the minimum level logged. Default slog.LevelInfo.
	LogLevel slog.Leveler
}

// NewHandler returns the Handler for the named function of app. It does
// not check app.Err; Start does.
func NewHandler(app *sdk.App, function string, opts *HandlerOptions) (*Handler, error) {
	if opts == nil {
		opts = &HandlerOptions{}
	}
	fn, ok := app.Function(function)
	if !ok {
		var names []string
		for _, f := range app.Functions() {
			names = append(names, f.Name())
		}
		slices.Sort(names)
		return nil, fmt.Errorf("awslambda: app %q has no function %q (it has: %s)", app.Name(), function, strings.Join(names, ", "))
	}
	w := opts.Log
	if w == nil {
		w = os.Stderr
	}
	return &Handler{fn: fn, log: newLogHandler(w, opts.LogLevel)}, nil
}

// Function returns the function the handler runs.
func (h *Handler) Function() *sdk.Function { return h.fn }

// Invoke handles one Lambda event. The event's shape is recognised from a
// quick look at its top-level keys; an event the function cannot take, or
// of an unknown shape, is an error and never silently dropped.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	p, err := probe(payload)
	if err != nil {
		return nil, invokeError(err)
	}
	want := shapeKind(p.shape)
	if want != h.fn.Kind() {
		return nil, invokeError(errUnknownEvent(fmt.Sprintf("%s event sent to %s function %q", p.shape, h.fn.Kind(), h.fn.Name())))
	}
	// One allocation holds the invocation and, for HTTP, the request's
	// parts.
	var (
		hst *httpState
		st  *invState
	)
	if p.shape == shapeHTTP {
		hst = &httpState{}
		st = &hst.invState
	} else {
		st = &invState{}
	}
	ctx, cancel := h.invocation(ctx, st)
	defer cancel()
	var out []byte
	switch p.shape {
	case shapeHTTP:
		out, err = h.invokeHTTP(ctx, hst, p.http, payload)
	case shapeSQS:
		out, err = h.invokeSQS(ctx, st, payload)
	case shapeSNS:
		err = h.invokeSNS(ctx, st, payload)
	case shapeS3:
		err = h.invokeS3(ctx, st, payload)
	case shapeSchedule:
		err = h.invokeSchedule(ctx, st, payload)
	}
	if err != nil {
		return nil, invokeError(err)
	}
	if out == nil {
		out = []byte("null")
	}
	return out, nil
}

// invState is an invocation's sdk.Invocation and its logger, allocated at
// once.
type invState struct {
	inv    sdk.Invocation
	log    requestLogHandler
	logger slog.Logger
}

// invocation fills st and attaches the sdk.Invocation and the deadline to
// ctx.
func (h *Handler) invocation(ctx context.Context, st *invState) (context.Context, context.CancelFunc) {
	inv := &st.inv
	inv.Function, inv.Provider = h.fn.Name(), "aws"
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.ID = lc.AwsRequestID
	}
	//nolint:staticcheck // aws-lambda-go stores the trace header under this string key.
	inv.TraceID, _ = ctx.Value("x-amzn-trace-id").(string)
	cancel := context.CancelFunc(func() {})
	if d, ok := ctx.Deadline(); ok {
		inv.Deadline = d
	} else {
		ctx, cancel = context.WithTimeout(ctx, h.fn.Timeout())
		inv.Deadline, _ = ctx.Deadline()
	}
	st.log = requestLogHandler{base: h.log, id: inv.ID}
	st.logger = *slog.New(&st.log)
	inv.Logger = &st.logger
	return provider.NewContext(ctx, inv), cancel
}

// setID sets the invocation ID when the Lambda context had none (the
// event's own ID stands in for it).
func (st *invState) setID(id string) {
	if st.inv.ID == "" {
		st.inv.ID, st.log.id = id, id
	}
}

// invokeHTTP decodes an HTTP event of format f, serves it and encodes the
// response as that integration requires.
func (h *Handler) invokeHTTP(ctx context.Context, st *httpState, f httpFormat, payload []byte) ([]byte, error) {
	var (
		r   *http.Request
		err error
	)
	switch f {
	case formatV2:
		e := getV2Event()
		defer putV2Event(e) // after ServeHTTP: the body may be read from e
		if err := e.decode(payload); err != nil {
			return nil, err
		}
		r, err = requestV2(ctx, st, e)
	case formatV1:
		var ev *events.APIGatewayProxyRequest
		if ev, err = decodeV1(payload); err != nil {
			return nil, err
		}
		r, err = requestV1(ctx, st, ev)
	default:
		var ev *events.ALBTargetGroupRequest
		if ev, err = decodeALB(payload); err != nil {
			return nil, err
		}
		f = albFormat(ev)
		r, err = requestALB(ctx, st, ev)
	}
	if err != nil {
		return nil, err
	}
	w := getWriter(r.Method == "HEAD")
	defer putWriter(w)
	provider.Handler(h.fn).ServeHTTP(w, r)
	return w.encode(f), nil
}
