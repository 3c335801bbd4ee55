package azurefunc

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/faaskit/faas/internal/logattr"
)

// reservedKeys are the top-level keys the shim writes on every log line. A
// user attribute with one of these names, or logged twice, is renamed
// "fields.<key>" (logattr), so every key appears once.
var reservedKeys = []string{slog.TimeKey, slog.LevelKey, slog.MessageKey, "invocationId", "functionName"}

// lineWriter serialises whole log lines onto one output (stdout, which the
// Functions host collects) so that concurrent invocations never interleave.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// logCollector gathers the log lines of one JSON-mode invocation so that
// they can be returned to the host in the response's Logs array, which the
// host writes to the invocation's log (Application Insights).
type logCollector struct {
	mu    sync.Mutex
	lines []string
}

func (c *logCollector) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.lines = append(c.lines, string(bytes.TrimRight(p, "\n")))
	c.mu.Unlock()
	return len(p), nil
}

func (c *logCollector) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	c.lines = nil
	return l
}

// invLogHandler is the slog.Handler behind every invocation logger. It is
// lazy: the JSON handler, with invocationId and function pre-formatted, is
// built on the first record only, so invocations that do not log pay one
// small allocation.
type invLogHandler struct {
	once  sync.Once
	h     slog.Handler
	out   io.Writer
	id    string
	fn    string
	level slog.Leveler
}

func (l *invLogHandler) handler() slog.Handler {
	l.once.Do(func() {
		l.h = logattr.New(slog.NewJSONHandler(l.out, &slog.HandlerOptions{Level: l.level}).
			WithAttrs([]slog.Attr{slog.String("invocationId", l.id), slog.String("functionName", l.fn)}), reservedKeys...)
	})
	return l.h
}

// Enabled implements slog.Handler.
func (l *invLogHandler) Enabled(_ context.Context, lv slog.Level) bool {
	return lv >= l.level.Level()
}

// Handle implements slog.Handler.
func (l *invLogHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.handler().Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (l *invLogHandler) WithAttrs(as []slog.Attr) slog.Handler { return l.handler().WithAttrs(as) }

// WithGroup implements slog.Handler.
func (l *invLogHandler) WithGroup(name string) slog.Handler { return l.handler().WithGroup(name) }
