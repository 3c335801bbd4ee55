package awslambda

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/logattr/logattrtest"
)

// TestLogLineKeysUnique: user attributes named like Lambda's fields (or
// logged twice) never produce a second "timestamp", "message", "level" or
// "requestId" key.
func TestLogLineKeysUnique(t *testing.T) {
	cases := []struct {
		name string
		log  func(*slog.Logger)
		want map[string]string
	}{
		{"time", func(l *slog.Logger) { l.Info("hi", "time", "noon") }, map[string]string{"message": "hi", "fields.time": "noon"}},
		{"msg and message", func(l *slog.Logger) { l.Info("hi", "msg", "a", "message", "b") }, map[string]string{"message": "hi", "fields.msg": "a", "fields.message": "b"}},
		{"level", func(l *slog.Logger) { l.Warn("hi", "level", "high") }, map[string]string{"level": "WARN", "fields.level": "high"}},
		{"timestamp", func(l *slog.Logger) { l.Info("hi", "timestamp", "t") }, map[string]string{"fields.timestamp": "t"}},
		{"requestId", func(l *slog.Logger) { l.Info("hi", "requestId", "forged") }, map[string]string{"requestId": "req-1", "fields.requestId": "forged"}},
		{"With", func(l *slog.Logger) { l.With("time", "w").Info("hi", "time", "r") }, map[string]string{"fields.time": "w", "fields.time.2": "r"}},
		{"WithGroup requestId", func(l *slog.Logger) { l.WithGroup("requestId").Info("hi", "a", 1) }, map[string]string{"requestId": "req-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := requestLogHandler{base: newLogHandler(&buf, slog.LevelInfo), id: "req-1"}
			c.log(slog.New(&h))
			line := bytes.TrimSpace(buf.Bytes())
			if dups, err := logattrtest.Duplicates(line); err != nil || len(dups) > 0 {
				t.Fatalf("%s: duplicate keys %v (%v)", line, dups, err)
			}
			var got map[string]any
			json.Unmarshal(line, &got)
			if _, ok := got["timestamp"].(string); !ok || got["requestId"] != "req-1" {
				t.Errorf("%s: want the platform's timestamp and requestId", line)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %s = %v; want %q", line, k, got[k], v)
				}
			}
			if strings.Contains(string(line), `"time":`) || strings.Contains(string(line), `"msg":`) {
				t.Errorf("%s: slog's own key names leaked", line)
			}
		})
	}
}
