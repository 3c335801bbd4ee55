package ziputil

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Epoch is the modification time of every entry Write stores, so that the
// same inputs always give the same bytes (an unchanged app hashes the same
// and is not redeployed).
var Epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is one file of an archive Write makes: its bytes come from Data,
// or from the file at Path.
type Entry struct {
	Name string      // slash-separated name in the archive
	Mode os.FileMode // Unix permission bits, kept by the platforms (0755 for a handler)
	Data []byte
	Path string
}

// Write makes a reproducible zip at path: entries sorted by name, Deflate
// at the given level (flate.BestCompression for what is uploaded,
// flate.BestSpeed for what is unpacked at once), fixed times, and each
// entry's Unix mode. It writes a temporary file first and renames it, so a
// failed write never leaves a truncated archive. It returns the size.
func Write(path string, entries []Entry, level int) (int64, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("zip: %w", err)
	}
	defer os.Remove(tmp)
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, level) })
	for _, e := range entries {
		if err = add(zw, e); err != nil {
			break
		}
	}
	if err == nil {
		err = zw.Close()
	}
	var size int64
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil {
			size = fi.Size()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, fmt.Errorf("zip %s: %w", path, err)
	}
	return size, nil
}

func add(zw *zip.Writer, e Entry) error {
	h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: Epoch}
	h.SetMode(e.Mode) // also marks the entry as made on Unix, so the platform keeps the mode
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	if e.Path == "" {
		_, err = w.Write(e.Data)
	} else {
		var in *os.File
		if in, err = os.Open(e.Path); err == nil {
			_, err = io.Copy(w, in)
			in.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	return nil
}
