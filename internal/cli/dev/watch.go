package dev

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"
)

// watcher detects source changes by polling the sizes and modification
// times of the app's sources (appbuild.Package.Sources: every package of
// the app's module that it imports, their embedded files, go.mod and
// go.sum) and the listings of their directories: portable, and cheap for
// app-sized trees. The list itself is refreshed after each rebuild, since
// an edit can add or drop an import.
type watcher struct {
	list  func(context.Context) ([]string, error)
	paths []string
	last  uint64
}

func newWatcher(ctx context.Context, list func(context.Context) ([]string, error)) (*watcher, error) {
	w := &watcher{list: list}
	if err := w.refresh(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// refresh reads the source list again after a rebuild. A change made
// while the build ran (after changed last looked) is not lost: the next
// changed call reports it.
func (w *watcher) refresh(ctx context.Context) error {
	editedDuringBuild := w.paths != nil && w.scan() != w.last
	paths, err := w.list(ctx)
	if err != nil {
		return err
	}
	w.paths = paths
	w.last = w.scan()
	if editedDuringBuild {
		w.last ^= 1 // differs from any scan: the next changed call rebuilds
	}
	return nil
}

// changed reports whether any source changed since the last call.
func (w *watcher) changed() bool {
	sum := w.scan()
	if sum == w.last {
		return false
	}
	w.last = sum
	return true
}

func (w *watcher) scan() uint64 {
	h := fnv.New64a()
	for _, p := range w.paths {
		hashPath(h, p)
	}
	return h.Sum64()
}

// hashPath writes a file's size and modification time, or a directory's
// entry names, to h; a missing path hashes as missing.
func hashPath(h io.Writer, p string) {
	info, err := os.Stat(p)
	if err != nil {
		fmt.Fprintf(h, "%s|missing\n", p)
		return
	}
	if !info.IsDir() {
		fmt.Fprintf(h, "%s|%d|%d\n", p, info.Size(), info.ModTime().UnixNano())
		return
	}
	// A directory's own time changes with any entry (an editor's swap
	// file, a test file): only its relevant entries' names count.
	fmt.Fprintf(h, "%s/\n", p)
	entries, err := os.ReadDir(p)
	if err != nil {
		return
	}
	for _, e := range entries {
		// Dot files (editor swap files, .faas data) and tests never change the build.
		if n := e.Name(); !strings.HasPrefix(n, ".") && !strings.HasSuffix(n, "_test.go") {
			fmt.Fprintf(h, "  %s\n", n)
		}
	}
}
