// Package logattr keeps the keys of a structured (JSON) log line unique.
// slog's JSONHandler writes every attribute it is given, so a user
// attribute named like a field the platform writes ("time", "msg",
// "level", "requestId"…) or a key logged twice yields a JSON object with
// duplicate keys, which log pipelines resolve in different ways. The
// provider shims put Handler in front of their platform handler: a key
// that is reserved or already present at its level of the line is renamed
// "fields.<key>" (then "fields.<key>.2", …), the convention logrus uses for
// the same clash.
package logattr

import (
	"context"
	"log/slog"
	"strconv"
)

// Keys is the set of keys already present at one level of a log line. The
// zero value is empty. A Keys is not safe for concurrent mutation; Handler
// copies it before adding to it.
type Keys struct{ m map[string]struct{} }

func (k Keys) has(key string, reserved []string) bool {
	if _, ok := k.m[key]; ok {
		return true
	}
	for _, r := range reserved {
		if r == key {
			return true
		}
	}
	return false
}

func (k *Keys) add(key string) {
	if k.m == nil {
		k.m = map[string]struct{}{}
	}
	k.m[key] = struct{}{}
}

// Clone returns a copy of k that can be added to.
func (k Keys) Clone() Keys {
	c := Keys{m: make(map[string]struct{}, len(k.m))}
	for key := range k.m {
		c.m[key] = struct{}{}
	}
	return c
}

// Key returns key, or its renamed form if key is reserved or already
// present, and records the result as present.
func (k *Keys) Key(key string, reserved []string) string {
	if k.has(key, reserved) {
		base := "fields." + key
		key = base
		for n := 2; k.has(key, reserved); n++ {
			key = base + "." + strconv.Itoa(n)
		}
	}
	k.add(key)
	return key
}

// Attrs returns as with every key unique at this level and inside every
// group value (renaming as Key does), and records the keys as present.
// Attributes slog drops (empty key, not a group) are left alone; a group
// with an empty key is inlined, as slog does.
func (k *Keys) Attrs(as []slog.Attr, reserved []string) []slog.Attr {
	out := as[:0:0]
	for _, a := range as {
		a.Value = a.Value.Resolve()
		if a.Value.Kind() == slog.KindGroup {
			if a.Key == "" {
				out = append(out, k.Attrs(a.Value.Group(), reserved)...)
				continue
			}
			var inner Keys
			a.Value = slog.GroupValue(inner.Attrs(a.Value.Group(), nil)...)
		}
		if a.Key == "" {
			out = append(out, a)
			continue
		}
		a.Key = k.Key(a.Key, reserved)
		out = append(out, a)
	}
	return out
}

// Record returns a copy of r whose attributes are unique among themselves,
// the keys in k and reserved. k is not changed.
func (k Keys) Record(r slog.Record, reserved []string) slog.Record {
	if r.NumAttrs() == 0 {
		return r
	}
	as := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool { as = append(as, a); return true })
	local := k.Clone()
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(local.Attrs(as, reserved)...)
	return out
}

// Handler is a slog.Handler in front of Next that keeps every key unique
// at each level of the line. Reserved lists the top-level keys Next itself
// writes (slog's "time", "level", "msg" and whatever the platform adds or
// renames them to); attributes named like them are renamed.
type Handler struct {
	next     slog.Handler
	keys     Keys
	reserved []string // only at the top level
}

// New returns a Handler in front of next.
func New(next slog.Handler, reserved ...string) *Handler {
	return &Handler{next: next, reserved: reserved}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, h.keys.Record(r, h.reserved))
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	k := h.keys.Clone()
	as = k.Attrs(as, h.reserved)
	return &Handler{next: h.next.WithAttrs(as), keys: k, reserved: h.reserved}
}

// WithGroup implements slog.Handler. The group's name is a key at the
// current level; inside the group, keys start afresh.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	k := h.keys.Clone()
	name = k.Key(name, h.reserved)
	return &Handler{next: h.next.WithGroup(name)}
}
