package gcf

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// Cloud Logging structured-log field names
// (https://cloud.google.com/logging/docs/structured-logging).
const (
	fieldSeverity = "severity"
	fieldMessage  = "message"
	fieldTrace    = "logging.googleapis.com/trace"
	fieldSpanID   = "logging.googleapis.com/spanId"
	fieldSampled  = "logging.googleapis.com/trace_sampled"
	fieldLabels   = "logging.googleapis.com/labels"
)

// newBaseHandler returns the process-wide JSON handler writing Cloud
// Logging's shape: "severity" instead of "level", "message" instead of "msg".
func newBaseHandler(w io.Writer) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				return slog.String(fieldSeverity, severity(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				a.Key = fieldMessage
			}
			return a
		},
	})
}

// severity maps slog levels to Cloud Logging severities.
func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// invocationHandler adds the invocation's trace and labels to every record.
// It is created per invocation but formats nothing until the first log
// call, so invocations that do not log pay only for the allocation.
type invocationHandler struct {
	base    slog.Handler
	project string
	trace   traceContext
	labels  [2]slog.Attr // execution_id, function

	once sync.Once
	h    slog.Handler
}

func (l *invocationHandler) real() slog.Handler {
	l.once.Do(func() {
		attrs := make([]slog.Attr, 0, 4)
		if l.trace.traceID != "" && l.project != "" {
			attrs = append(attrs, slog.String(fieldTrace, "projects/"+l.project+"/traces/"+l.trace.traceID))
			if l.trace.spanID != "" {
				attrs = append(attrs, slog.String(fieldSpanID, l.trace.spanID))
			}
			attrs = append(attrs, slog.Bool(fieldSampled, l.trace.sampled))
		}
		attrs = append(attrs, slog.Attr{Key: fieldLabels, Value: slog.GroupValue(l.labels[:]...)})
		l.h = l.base.WithAttrs(attrs)
	})
	return l.h
}

// Enabled implements slog.Handler.
func (l *invocationHandler) Enabled(ctx context.Context, lv slog.Level) bool {
	return l.base.Enabled(ctx, lv)
}

// Handle implements slog.Handler.
func (l *invocationHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.real().Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (l *invocationHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.real().WithAttrs(attrs)
}

// WithGroup implements slog.Handler.
func (l *invocationHandler) WithGroup(name string) slog.Handler {
	return l.real().WithGroup(name)
}
