package azuredeploy

import (
	"archive/zip"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// zipTime is the modification time of every entry, so that the same input
// gives the same zip.
var zipTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// writeZip writes the package: the JSON files (0644) and the handler
// binary (0755, so that Linux hosts can exec it: contracts E17). It
// returns the zip's size.
func writeZip(path string, files map[string][]byte, handler string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("azuredeploy: %w", err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.CreateHeader(header(n, 0o644))
		if err != nil {
			return 0, fmt.Errorf("azuredeploy: zip %s: %w", n, err)
		}
		if _, err := w.Write(files[n]); err != nil {
			return 0, fmt.Errorf("azuredeploy: zip %s: %w", n, err)
		}
	}
	bin, err := os.Open(handler)
	if err != nil {
		return 0, fmt.Errorf("azuredeploy: %w", err)
	}
	defer bin.Close()
	w, err := zw.CreateHeader(header(HandlerName, 0o755))
	if err != nil {
		return 0, fmt.Errorf("azuredeploy: zip %s: %w", HandlerName, err)
	}
	if _, err := io.Copy(w, bin); err != nil {
		return 0, fmt.Errorf("azuredeploy: zip %s: %w", HandlerName, err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("azuredeploy: zip: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("azuredeploy: %w", err)
	}
	return fi.Size(), f.Close()
}

func header(name string, mode os.FileMode) *zip.FileHeader {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(mode) // sets the Unix mode in the external attributes (creator Unix)
	return h
}

// foreignModules are module path prefixes of other clouds' SDKs; an Azure
// handler must link none of them.
var foreignModules = []string{
	"github.com/aws/",                 // AWS SDKs
	"cloud.google.com/go",             // Google Cloud client libraries
	"github.com/GoogleCloudPlatform/", // functions-framework and friends
}

// gocloudPlumbing are Google modules every gocloud.dev driver links,
// whatever the cloud: gocloud.dev/internal/useragent imports
// google.golang.org/api/option, which brings Google's credential plumbing
// (no service client). They are allowed; see the package README.
var gocloudPlumbing = map[string]bool{
	"cloud.google.com/go/auth":             true,
	"cloud.google.com/go/auth/oauth2adapt": true,
	"cloud.google.com/go/compute/metadata": true,
}

// CheckNoForeignCloud reads the module list embedded in a Go binary and
// fails if any AWS or Google Cloud module is linked in.
func CheckNoForeignCloud(binary string) error {
	bi, err := buildinfo.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("azuredeploy: reading build info of %s: %w", binary, err)
	}
	var bad []string
	for _, d := range bi.Deps {
		for _, p := range foreignModules {
			if strings.HasPrefix(d.Path, p) && !gocloudPlumbing[d.Path] {
				bad = append(bad, d.Path)
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("azuredeploy: the Azure handler links other clouds' modules %v; the app or a dependency imports them", bad)
	}
	return nil
}
