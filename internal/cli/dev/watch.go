package dev

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
)

// watcher detects source changes by polling the sizes and modification
// times of the app's sources (appbuild.Package.Sources: every package of
// the app's module that it imports, their embedded files, go.mod and
// go.sum) and the entry names of their directories: portable, and cheap
// for app-sized trees. The list itself is refreshed after each rebuild,
// since an edit can add or drop an import.
type watcher struct {
	list func(context.Context) ([]string, error)
	// seen is the state of each source as of the last build's start.
	seen map[string]string
}

func newWatcher(ctx context.Context, list func(context.Context) ([]string, error)) (*watcher, error) {
	w := &watcher{list: list}
	paths, err := list(ctx)
	if err != nil {
		return nil, err
	}
	w.seen = snapshot(paths)
	return w, nil
}

// changed reports whether any source changed since the last call that
// reported a change (or since newWatcher); a true result takes the current
// state as the new build's starting point.
func (w *watcher) changed() bool {
	now := snapshot(keys(w.seen))
	if maps.Equal(now, w.seen) {
		return false
	}
	w.seen = now
	return true
}

// refresh reads the source list again after a rebuild. Sources that were
// already watched keep the state they had when the build started, so an
// edit made while the build ran is reported by the next changed call
// rather than taken as built.
func (w *watcher) refresh(ctx context.Context) error {
	paths, err := w.list(ctx)
	if err != nil {
		return err
	}
	now := snapshot(paths)
	for p := range now {
		if old, ok := w.seen[p]; ok {
			now[p] = old
		}
	}
	w.seen = now
	return nil
}

func keys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func snapshot(paths []string) map[string]string {
	m := make(map[string]string, len(paths))
	for _, p := range paths {
		m[p] = state(p)
	}
	return m
}

// state describes a file by its size and modification time and a
// directory by its relevant entries' names; a missing path as missing.
func state(p string) string {
	info, err := os.Stat(p)
	if err != nil {
		return "missing"
	}
	if !info.IsDir() {
		return fmt.Sprintf("%d|%d", info.Size(), info.ModTime().UnixNano())
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return "unreadable"
	}
	// A directory's own time changes with any entry (an editor's swap
	// file, a test file): only its relevant entries' names count.
	var b strings.Builder
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, ".") && !strings.HasSuffix(n, "_test.go") {
			b.WriteString(n)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
