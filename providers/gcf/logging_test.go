package gcf

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/faaskit/faas/internal/logattr/logattrtest"
)

// TestLogLineKeysUnique: user attributes named like Cloud Logging's fields
// or slog's (a string "level" used to panic the severity mapping) are
// renamed, and every key appears once.
func TestLogLineKeysUnique(t *testing.T) {
	cases := []struct {
		name string
		log  func(*slog.Logger)
		want map[string]any
	}{
		{"level string", func(l *slog.Logger) { l.Info("hi", "level", "high") }, map[string]any{"severity": "INFO", "fields.level": "high"}},
		{"severity and message", func(l *slog.Logger) { l.Error("hi", "severity", "x", "message", "m", "msg", "n") },
			map[string]any{"severity": "ERROR", "message": "hi", "fields.severity": "x", "fields.message": "m", "fields.msg": "n"}},
		{"time", func(l *slog.Logger) { l.Info("hi", "time", "noon") }, map[string]any{"fields.time": "noon"}},
		{"labels", func(l *slog.Logger) { l.Info("hi", fieldLabels, "forged") }, map[string]any{"fields." + fieldLabels: "forged"}},
		{"twice", func(l *slog.Logger) { l.With("a", "1").Info("hi", "a", "2") }, map[string]any{"a": "1", "fields.a": "2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := &invocationHandler{base: newBaseHandler(&buf), project: "p", trace: traceContext{traceID: "abc"},
				labels: [2]slog.Attr{slog.String("execution_id", "e-1"), slog.String("function", "f")}}
			c.log(slog.New(h))
			line := bytes.TrimSpace(buf.Bytes())
			if dups, err := logattrtest.Duplicates(line); err != nil || len(dups) > 0 {
				t.Fatalf("%s: duplicate keys %v (%v)", line, dups, err)
			}
			var got map[string]any
			json.Unmarshal(line, &got)
			if got[fieldTrace] != "projects/p/traces/abc" {
				t.Errorf("%s: the trace field was lost", line)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %s = %v; want %v", line, k, got[k], v)
				}
			}
		})
	}
}
