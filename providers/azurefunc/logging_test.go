package azurefunc

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/faaskit/faas/internal/logattr/logattrtest"
)

// TestLogLineKeysUnique: user attributes named like the shim's fields or
// slog's never produce a duplicate key.
func TestLogLineKeysUnique(t *testing.T) {
	cases := []struct {
		name string
		log  func(*slog.Logger)
		want map[string]any
	}{
		{"time msg level", func(l *slog.Logger) { l.Info("hi", "time", "t", "msg", "m", "level", "high") },
			map[string]any{"msg": "hi", "level": "INFO", "fields.time": "t", "fields.msg": "m", "fields.level": "high"}},
		{"invocationId", func(l *slog.Logger) { l.Info("hi", "invocationId", "forged", "functionName", "other") },
			map[string]any{"invocationId": "inv-1", "functionName": "fn", "fields.invocationId": "forged", "fields.functionName": "other"}},
		{"twice", func(l *slog.Logger) { l.With("a", "1").Info("hi", "a", "2") }, map[string]any{"a": "1", "fields.a": "2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := &invLogHandler{out: &buf, id: "inv-1", fn: "fn", level: slog.LevelInfo}
			c.log(slog.New(h))
			line := bytes.TrimSpace(buf.Bytes())
			if dups, err := logattrtest.Duplicates(line); err != nil || len(dups) > 0 {
				t.Fatalf("%s: duplicate keys %v (%v)", line, dups, err)
			}
			var got map[string]any
			json.Unmarshal(line, &got)
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %s = %v; want %v", line, k, got[k], v)
				}
			}
		})
	}
}
