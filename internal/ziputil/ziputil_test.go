package ziputil

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeZip(t *testing.T, entries map[string]os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, mode := range entries {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("content of " + name))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestExtract(t *testing.T) {
	zp := writeZip(t, map[string]os.FileMode{"bootstrap": 0o755, "fn/function.json": 0o644, "ro.txt": 0o400})
	dir := t.TempDir()
	if err := Extract(zp, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"bootstrap": 0o755, "fn/function.json": 0o644, "ro.txt": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v; want %v", name, fi.Mode().Perm(), want)
		}
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if string(b) != "content of "+name {
			t.Errorf("%s: content %q", name, b)
		}
	}
}

func TestExtractRejectsEscapingEntries(t *testing.T) {
	for _, name := range []string{"../evil", "/abs/evil", "a/../../evil"} {
		zp := writeZip(t, map[string]os.FileMode{name: 0o644})
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		err := Extract(zp, dir)
		if err == nil || !strings.Contains(err.Error(), "escapes") {
			t.Errorf("entry %q: err %v; want an escape error", name, err)
		}
		if _, err := os.Stat(filepath.Join(parent, "evil")); err == nil {
			t.Errorf("entry %q was written outside the target", name)
		}
	}
}
