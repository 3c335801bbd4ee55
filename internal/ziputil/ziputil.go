// Package ziputil unpacks deployment archives the way the platforms do:
// every entry under one directory, with the Unix modes the zip stores (a
// handler or bootstrap must arrive executable).
package ziputil

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Extract unpacks zipPath into dir (created if needed). It refuses entries
// whose names would land outside dir, and keeps each file's stored
// permission bits, always readable and writable by the owner.
func Extract(zipPath, dir string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("unzip: %w", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("unzip %s: entry %q escapes the target directory", zipPath, f.Name)
		}
		dst := filepath.Join(dir, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("unzip: %w", err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("unzip: %w", err)
		}
		if err := extract(f, dst); err != nil {
			return fmt.Errorf("unzip %s: %s: %w", zipPath, f.Name, err)
		}
	}
	return nil
}

func extract(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
