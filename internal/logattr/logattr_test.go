package logattr_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/faaskit/faas/internal/logattr"
	"github.com/faaskit/faas/internal/logattr/logattrtest"
)

func TestHandlerKeepsKeysUnique(t *testing.T) {
	cases := []struct {
		name string
		log  func(*slog.Logger)
		want map[string]any // keys that must hold these values
	}{
		{"user time, msg, level", func(l *slog.Logger) { l.Info("hi", "time", "noon", "msg", "m", "level", "high") },
			map[string]any{"msg": "hi", "level": "INFO", "fields.time": "noon", "fields.msg": "m", "fields.level": "high"}},
		{"platform key", func(l *slog.Logger) { l.Info("hi", "requestId", "forged") },
			map[string]any{"requestId": "r-1", "fields.requestId": "forged"}},
		{"same key twice", func(l *slog.Logger) { l.Info("hi", "a", 1, "a", 2, "a", 3) },
			map[string]any{"a": 1.0, "fields.a": 2.0, "fields.a.2": 3.0}},
		{"With then record", func(l *slog.Logger) { l.With("a", 1, "time", "x").Info("hi", "a", 2) },
			map[string]any{"a": 1.0, "fields.time": "x", "fields.a": 2.0}},
		{"inline group", func(l *slog.Logger) { l.Info("hi", "a", 1, slog.Group("", "a", 2)) },
			map[string]any{"a": 1.0, "fields.a": 2.0}},
		{"group value", func(l *slog.Logger) { l.Info("hi", slog.Group("g", "k", 1, "k", 2)) },
			map[string]any{"g": map[string]any{"k": 1.0, "fields.k": 2.0}}},
		{"WithGroup named like a platform key", func(l *slog.Logger) { l.WithGroup("msg").Info("hi", "k", 1, "k", 2) },
			map[string]any{"msg": "hi", "fields.msg": map[string]any{"k": 1.0, "fields.k": 2.0}}},
		{"no attributes", func(l *slog.Logger) { l.Info("hi") }, map[string]any{"msg": "hi", "requestId": "r-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			base := slog.NewJSONHandler(&buf, nil).WithAttrs([]slog.Attr{slog.String("requestId", "r-1")})
			c.log(slog.New(logattr.New(base, slog.TimeKey, slog.LevelKey, slog.MessageKey, "requestId")))
			dups, err := logattrtest.Duplicates(buf.Bytes())
			if err != nil || len(dups) > 0 {
				t.Fatalf("line %s: duplicate keys %v (%v)", buf.Bytes(), dups, err)
			}
			var got map[string]any
			json.Unmarshal(buf.Bytes(), &got)
			for k, v := range c.want {
				if gb, _ := json.Marshal(got[k]); string(gb) != string(must(json.Marshal(v))) {
					t.Errorf("%s = %s; want %s (line %s)", k, gb, must(json.Marshal(v)), buf.Bytes())
				}
			}
		})
	}
}

func TestDuplicatesDetects(t *testing.T) {
	dups, err := logattrtest.Duplicates([]byte(`{"a":1,"b":{"c":1,"c":2},"a":[{"d":1,"d":1}]}`))
	if err != nil || len(dups) != 3 {
		t.Errorf("Duplicates = %v, %v; want a, b.c and a.[].d", dups, err)
	}
}

func must(b []byte, _ error) []byte { return b }
