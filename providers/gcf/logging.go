package gcf

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/faaskit/faas/internal/logattr"
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

// reservedKeys are the top-level keys of a Cloud Logging line: slog's own
// (before ReplaceAttr renames them) and the fields above. A user attribute
// with one of these names, or logged twice, is renamed "fields.<key>"
// (logattr), so every key appears once and a user "level" attribute is
// never taken for slog's level.
var reservedKeys = []string{slog.TimeKey, slog.LevelKey, slog.MessageKey, fieldSeverity, fieldMessage, fieldTrace, fieldSpanID, fieldSampled, fieldLabels}

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
				if l, ok := a.Value.Any().(slog.Level); ok {
					return slog.String(fieldSeverity, severity(l))
				}
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
		l.h = logattr.New(l.base.WithAttrs(attrs), reservedKeys...)
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
