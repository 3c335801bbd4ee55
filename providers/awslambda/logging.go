package awslambda

import (
	"context"
	"io"
	"log/slog"
)

// newLogHandler returns a handler writing Lambda's JSON log format:
// {"timestamp":…,"level":"INFO","message":…,"requestId":…, attrs…}. With
// the function's log format set to JSON, CloudWatch indexes these fields.
func newLogHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 {
				switch a.Key {
				case slog.TimeKey:
					a.Key = "timestamp"
				case slog.MessageKey:
					a.Key = "message"
				}
			}
			return a
		},
	})
}

// requestLogHandler adds the request ID to every record. It is created per
// invocation and costs nothing until something is logged.
type requestLogHandler struct {
	base slog.Handler
	id   string
}

// Enabled implements slog.Handler.
func (h *requestLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *requestLogHandler) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(slog.String("requestId", h.id))
	return h.base.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *requestLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &requestLogHandler{base: h.base.WithAttrs(as), id: h.id}
}

// WithGroup implements slog.Handler. The request ID stays at the top level.
func (h *requestLogHandler) WithGroup(name string) slog.Handler {
	return h.base.WithAttrs([]slog.Attr{slog.String("requestId", h.id)}).WithGroup(name)
}
