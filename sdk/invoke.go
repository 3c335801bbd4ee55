package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// httpHandler runs an HTTP function with panic recovery (provider.Handler).
type httpHandler struct{ f *Function }

func (h httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := h.f
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

// handleMessage runs a Message function (provider.HandleMessage).
func (f *Function) handleMessage(ctx context.Context, m *Message) error {
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

// handleBlob runs a BlobEvent function (provider.HandleBlob).
func (f *Function) handleBlob(ctx context.Context, e *BlobEvent) error {
	if f.kind != KindBlob {
		return Errorf(CodeInvalidInput, "sdk: function %q is a %s function, not a blob function", f.name, f.kind)
	}
	if !f.wants(e.Kind, e.Key) {
		return nil
	}
	if e.Bucket == "" {
		e.Bucket = f.bucket
	}
	return guard(ctx, f, func() error { return f.blob(ctx, e) })
}

// handleSchedule runs a Schedule function (provider.HandleSchedule).
func (f *Function) handleSchedule(ctx context.Context, e *ScheduleEvent) error {
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
