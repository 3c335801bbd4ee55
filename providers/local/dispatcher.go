package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/faaskit/faas/sdk/provider"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
)

// Dispatcher runs invocations for the dev Server: app HTTP traffic and
// single deliveries of events to named functions. A nil error from a
// Deliver method acknowledges the event.
type Dispatcher interface {
	http.Handler
	DeliverMessage(ctx context.Context, function string, m *sdk.Message) error
	DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error
	FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error
	Close() error
}

// InProcess dispatches to an app's functions in this process.
type InProcess struct {
	app    *sdk.App
	http   []*sdk.Function // longest path first
	logger *slog.Logger
}

var _ Dispatcher = (*InProcess)(nil)

// NewInProcess returns a Dispatcher for app, logging through logger (nil
// means slog.Default()).
func NewInProcess(app *sdk.App, logger *slog.Logger) *InProcess {
	if logger == nil {
		logger = slog.Default()
	}
	d := &InProcess{app: app, logger: logger}
	for _, f := range app.Functions() {
		if f.Kind() == sdk.KindHTTP {
			d.http = append(d.http, f)
		}
	}
	// Longest prefix wins.
	for i := 1; i < len(d.http); i++ {
		for j := i; j > 0 && len(d.http[j].Path()) > len(d.http[j-1].Path()); j-- {
			d.http[j], d.http[j-1] = d.http[j-1], d.http[j]
		}
	}
	return d
}

// invocation builds the context for one call of f.
func (d *InProcess) invocation(ctx context.Context, f *sdk.Function, id, trace string) (context.Context, context.CancelFunc) {
	if id == "" {
		id = NewID()
	}
	deadline := time.Now().Add(f.Timeout())
	inv := &sdk.Invocation{ID: id, Function: f.Name(), TraceID: trace, Deadline: deadline, Provider: "local",
		Logger: d.logger.With(slog.String("function", f.Name()), slog.String("invocation_id", id))}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	return provider.NewContext(ctx, inv), cancel
}

// ServeHTTP implements http.Handler.
func (d *InProcess) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, f := range d.http {
		p := f.Path()
		if p == "/" || r.URL.Path == p || strings.HasPrefix(r.URL.Path, strings.TrimSuffix(p, "/")+"/") {
			ctx, cancel := d.invocation(r.Context(), f, "", traceID(r))
			defer cancel()
			provider.Handler(f).ServeHTTP(w, r.WithContext(ctx))
			return
		}
	}
	sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "no HTTP function serves %s", r.URL.Path))
}

func traceID(r *http.Request) string {
	// W3C traceparent: version-traceid-parentid-flags.
	if tp := r.Header.Get("Traceparent"); len(tp) >= 55 {
		return tp[3:35]
	}
	return ""
}

func (d *InProcess) function(name string, kind sdk.Kind) (*sdk.Function, error) {
	f, ok := d.app.Function(name)
	if !ok {
		return nil, sdk.Errorf(sdk.CodeNotFound, "local: no function %q", name)
	}
	if f.Kind() != kind {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "local: function %q is a %s function, not %s", name, f.Kind(), kind)
	}
	return f, nil
}

// DeliverMessage implements Dispatcher.
func (d *InProcess) DeliverMessage(ctx context.Context, function string, m *sdk.Message) error {
	f, err := d.function(function, sdk.KindMessage)
	if err != nil {
		return err
	}
	ctx, cancel := d.invocation(ctx, f, "", "")
	defer cancel()
	return provider.HandleMessage(ctx, f, m)
}

// DeliverBlob implements Dispatcher.
func (d *InProcess) DeliverBlob(ctx context.Context, function string, e *sdk.BlobEvent) error {
	f, err := d.function(function, sdk.KindBlob)
	if err != nil {
		return err
	}
	ctx, cancel := d.invocation(ctx, f, "", "")
	defer cancel()
	return provider.HandleBlob(ctx, f, e)
}

// FireSchedule implements Dispatcher.
func (d *InProcess) FireSchedule(ctx context.Context, function string, e *sdk.ScheduleEvent) error {
	f, err := d.function(function, sdk.KindSchedule)
	if err != nil {
		return err
	}
	ctx, cancel := d.invocation(ctx, f, "", "")
	defer cancel()
	return provider.HandleSchedule(ctx, f, e)
}

// Close implements Dispatcher; it closes the app's resources.
func (d *InProcess) Close() error { return d.app.Close(context.Background()) }

// NewID returns a random 128-bit hex identifier.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
