package gcpdeploy

import (
	"compress/flate"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faaskit/faas/internal/ziputil"
)

// writeZip zips dir into path in sorted order, leaving out test files and
// build outputs. It returns the zip's size.
func writeZip(dir, path string) (int64, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	entries := make([]ziputil.Entry, len(files))
	for i, rel := range files {
		// go.mod must be writable for the buildpack: 0644 everywhere.
		entries[i] = ziputil.Entry{Name: rel, Mode: 0o644, Path: filepath.Join(dir, filepath.FromSlash(rel))}
	}
	n, err := ziputil.Write(path, entries, flate.DefaultCompression)
	if err != nil {
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	return n, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
