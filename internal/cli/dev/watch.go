package dev

import (
	"fmt"
	"hash/fnv"
	"io/fs"
	"path/filepath"
	"strings"
)

// watcher detects source changes by polling file names, sizes and
// modification times under a directory: portable, and cheap for app-sized trees.
type watcher struct {
	root string
	last uint64
}

func newWatcher(root string) *watcher {
	w := &watcher{root: root}
	w.last, _ = w.scan()
	return w
}

func (w *watcher) changed() (bool, error) {
	sum, err := w.scan()
	if err != nil {
		return false, err
	}
	if sum == w.last {
		return false, nil
	}
	w.last = sum
	return true, nil
}

// watched says which files can change the build.
func watched(name string) bool {
	return strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum"
}

func (w *watcher) scan() (uint64, error) {
	h := fnv.New64a()
	err := filepath.WalkDir(w.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != w.root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		// Embedded front-end assets count too.
		if !watched(name) && !strings.Contains(filepath.ToSlash(path), "/dist/") {
			return nil
		}
		if strings.HasSuffix(name, "_test.go") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed while walking
		}
		fmt.Fprintf(h, "%s|%d|%d\n", path, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return h.Sum64(), err
}
