package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// ServeHTTP runs an HTTP function. A panic in the handler is recovered,
// logged with its stack, and answered with a 500 JSON error if nothing was
// written yet; the process keeps serving. Providers attach the Invocation
// to the request context first. For providers.
func (f *Function) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.kind != KindHTTP {
		WriteError(w, Errorf(CodeNotFound, "function %q is not an HTTP function", f.name))
		return
	}
	tw := &trackingWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			Logger(r.Context()).Error("handler panicked", slog.String("function", f.name), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if !tw.wrote {
				WriteError(w, Wrap(CodeInternal, fmt.Errorf("panic: %v", v)))
			}
		}
	}()
	f.http.ServeHTTP(tw, r)
}

// HTTPHandler returns the user's handler unwrapped, for providers that must
// hand it to a platform framework and add recovery themselves.
func (f *Function) HTTPHandler() http.Handler { return f.http }

// trackingWriter records whether the response has started so that panic
// recovery does not write a second header.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// deadlines, hijacking).
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Flush implements http.Flusher when the underlying writer does.
func (t *trackingWriter) Flush() {
	t.wrote = true
	if fl, ok := t.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// HandleMessage runs a Message function. A panic becomes a *PanicError. For providers.
func (f *Function) HandleMessage(ctx context.Context, m *Message) error {
	if f.kind != KindMessage {
		return Errorf(CodeInvalidInput, "sdk: function %q is a %s function, not a message function", f.name, f.kind)
	}
	if m.Attributes == nil {
		m.Attributes = map[string]string{}
	}
	if m.Topic == "" {
		m.Topic = f.topic
	}
	return guard(ctx, f, func() error { return f.message(ctx, m) })
}

// HandleBlob runs a BlobEvent function. Events the function did not
// subscribe to (kind or prefix) are skipped with a nil error. For providers.
func (f *Function) HandleBlob(ctx context.Context, e *BlobEvent) error {
	if f.kind != KindBlob {
		return Errorf(CodeInvalidInput, "sdk: function %q is a %s function, not a blob function", f.name, f.kind)
	}
	if !f.Wants(e.Kind, e.Key) {
		return nil
	}
	if e.Bucket == "" {
		e.Bucket = f.bucket
	}
	return guard(ctx, f, func() error { return f.blob(ctx, e) })
}

// HandleSchedule runs a Schedule function. For providers.
func (f *Function) HandleSchedule(ctx context.Context, e *ScheduleEvent) error {
	if f.kind != KindSchedule {
		return Errorf(CodeInvalidInput, "sdk: function %q is a %s function, not a schedule function", f.name, f.kind)
	}
	if e.Schedule == "" {
		e.Schedule = f.schedule.Expr
	}
	return guard(ctx, f, func() error { return f.schedFun(ctx, e) })
}

func guard(ctx context.Context, f *Function, call func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			Logger(ctx).Error("handler panicked", slog.String("function", f.name), slog.Any("panic", v), slog.String("stack", string(stack)))
			err = &Error{Code: CodeInternal, Err: &PanicError{Value: v, Stack: stack}}
		}
	}()
	return call()
}
