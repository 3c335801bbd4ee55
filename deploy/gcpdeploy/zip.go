package gcpdeploy

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// zipEpoch is the modification time of every zip entry, so that the same
// sources give the same bytes and an unchanged app is not redeployed.
var zipEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

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
	slices.Sort(files)
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	defer os.Remove(tmp)
	zw := zip.NewWriter(out)
	for _, rel := range files {
		if err := addFile(zw, filepath.Join(dir, filepath.FromSlash(rel)), rel); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	fi, err := out.Stat()
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("gcpdeploy: %w", err)
	}
	return fi.Size(), nil
}

func addFile(zw *zip.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("gcpdeploy: %w", err)
	}
	defer f.Close()
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipEpoch}
	// go.mod must be writable for the buildpack; 0644 everywhere.
	h.SetMode(0o644)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("gcpdeploy: %w", err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("gcpdeploy: zip %s: %w", name, err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
