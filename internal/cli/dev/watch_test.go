package dev

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.go")
	embedded := filepath.Join(dir, "static", "x.txt")
	os.MkdirAll(filepath.Dir(embedded), 0o755)
	os.WriteFile(src, []byte("package a"), 0o644)
	os.WriteFile(embedded, []byte("v1"), 0o644)
	list := func(context.Context) ([]string, error) {
		return []string{dir, src, filepath.Dir(embedded), embedded}, nil
	}
	w, err := newWatcher(t.Context(), list)
	if err != nil {
		t.Fatal(err)
	}
	touch := func(p, data string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Duration(len(data)) * time.Second)
		os.Chtimes(p, later, later)
	}
	steps := []struct {
		name string
		do   func()
		want bool
	}{
		{"nothing", func() {}, false},
		{"edit source", func() { touch(src, "package a // x") }, true},
		{"same state again", func() {}, false},
		{"edit embedded file", func() { touch(embedded, "v22") }, true},
		{"new file in a package dir", func() { touch(filepath.Join(dir, "b.go"), "package a") }, true},
		{"new test file", func() { touch(filepath.Join(dir, "b_test.go"), "package a") }, false},
		{"new dot file", func() { touch(filepath.Join(dir, ".a.go.swp"), "x") }, false},
		{"new embedded file", func() { touch(filepath.Join(dir, "static", "y.txt"), "y") }, true},
	}
	for _, s := range steps {
		s.do()
		if got := w.changed(); got != s.want {
			t.Errorf("%s: changed = %v; want %v", s.name, got, s.want)
		}
	}

	// An edit made while a rebuild runs (after changed, before refresh) is
	// reported after the refresh, not absorbed into it.
	touch(src, "package a // during")
	if err := w.refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !w.changed() {
		t.Error("an edit made during the build was lost by refresh")
	}
	if w.changed() {
		t.Error("changed reported the same edit twice")
	}
	if err := w.refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w.changed() {
		t.Error("refresh with no edit during the build reported a change")
	}

	// The list is read again on refresh: a newly imported package's files
	// are watched from then on.
	extra := filepath.Join(t.TempDir(), "c.go")
	touch(extra, "package c")
	list = func(context.Context) ([]string, error) { return []string{dir, src, extra}, nil }
	w.list = list
	if err := w.refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w.changed() {
		t.Error("a newly listed file counted as a change")
	}
	touch(extra, "package c // edited")
	if !w.changed() {
		t.Error("an edit of a newly listed file was missed")
	}
}
