package azuredeploy

import (
	"compress/flate"
	"debug/buildinfo"
	"fmt"
	"strings"

	"github.com/faaskit/faas/internal/ziputil"
)

// writeZip writes the package: the JSON files (0644) and the handler
// binary (0755, so that Linux hosts can exec it: contracts E17). It
// returns the zip's size.
func writeZip(path string, files map[string][]byte, handler string) (int64, error) {
	entries := []ziputil.Entry{{Name: HandlerName, Mode: 0o755, Path: handler}}
	for name, data := range files {
		entries = append(entries, ziputil.Entry{Name: name, Mode: 0o644, Data: data})
	}
	n, err := ziputil.Write(path, entries, flate.DefaultCompression)
	if err != nil {
		return 0, fmt.Errorf("azuredeploy: %w", err)
	}
	return n, nil
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
