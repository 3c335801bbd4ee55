package awslambda

import (
	"context"
	"io"
	"log/slog"

	"github.com/faaskit/faas/internal/logattr"
)

// reservedKeys are the top-level keys of a Lambda log line: slog's own
// (before ReplaceAttr renames them), the names CloudWatch expects and the
// request ID. A user attribute with one of these names, or logged twice,
// is renamed "fields.<key>" (logattr), so every key appears once.
var reservedKeys = []string{slog.TimeKey, slog.LevelKey, slog.MessageKey, "timestamp", "message", "requestId"}

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

// requestLogHandler adds the request ID to every record and keeps user
// attributes from colliding with the platform's keys or with each other. It
// is created per invocation and costs nothing until something is logged.
type requestLogHandler struct {
	base slog.Handler
	id   string
	keys logattr.Keys // top-level keys added by WithAttrs
}

// Enabled implements slog.Handler.
func (h *requestLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *requestLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.NumAttrs() == 0 {
		r = r.Clone()
	} else {
		r = h.keys.Record(r, reservedKeys) // a new record
	}
	r.AddAttrs(slog.String("requestId", h.id))
	return h.base.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *requestLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	k := h.keys.Clone()
	as = k.Attrs(as, reservedKeys)
	return &requestLogHandler{base: h.base.WithAttrs(as), id: h.id, keys: k}
}

// WithGroup implements slog.Handler. The request ID stays at the top level.
func (h *requestLogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	k := h.keys.Clone()
	name = k.Key(name, reservedKeys)
	return logattr.New(h.base.WithAttrs([]slog.Attr{slog.String("requestId", h.id)}).WithGroup(name))
}
