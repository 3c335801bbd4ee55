package ziputil

import (
	"bytes"
	"compress/flate"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteIsReproducibleAndKeepsModes(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.WriteFile(bin, []byte("#!/bin/sh\necho hi\n"), 0o600)
	entries := []Entry{
		{Name: "handler", Mode: 0o755, Path: bin},
		{Name: "host.json", Mode: 0o644, Data: []byte(`{"version":"2.0"}`)},
		{Name: "api/function.json", Mode: 0o644, Data: []byte(`{}`)},
	}
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if _, err := Write(a, entries, flate.BestCompression); err != nil {
		t.Fatal(err)
	}
	// The same entries in another order give the same bytes.
	if _, err := Write(b, []Entry{entries[2], entries[0], entries[1]}, flate.BestCompression); err != nil {
		t.Fatal(err)
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if !bytes.Equal(za, zb) {
		t.Error("the same entries in another order made different archives")
	}
	out := filepath.Join(dir, "out")
	if err := Extract(a, out); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"handler": 0o755, "host.json": 0o644, "api/function.json": 0o644} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v; want %v", name, err, fi.Mode().Perm(), mode)
		}
	}
	if _, err := os.Stat(a + ".tmp"); !os.IsNotExist(err) {
		t.Error("Write left its temporary file")
	}
	if _, err := Write(filepath.Join(dir, "c.zip"), []Entry{{Name: "x", Path: filepath.Join(dir, "missing")}}, flate.BestSpeed); err == nil {
		t.Error("Write of a missing file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "c.zip")); !os.IsNotExist(err) {
		t.Error("a failed Write left an archive behind")
	}
}
