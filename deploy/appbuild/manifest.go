package appbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/faaskit/faas/deploy/appbuild/manifestmain"
	"github.com/faaskit/faas/sdk"
)

var manifestEntry = Entry{Import: "github.com/faaskit/faas/deploy/appbuild/manifestmain", Func: "Main"}

// ReadManifest compiles pkg for the build machine with a helper entry point,
// runs it, and returns the app's manifest and what app.Err reported there
// ("" if nothing). Registration errors are returned as appErr, not err,
// because some come from settings (such as FAAS_AUTH_*) that only the
// deployed environment has; callers report them as warnings.
func ReadManifest(ctx context.Context, pkg *Package) (m *sdk.Manifest, appErr string, err error) {
	tmp, err := os.MkdirTemp("", "faas-manifest-")
	if err != nil {
		return nil, "", fmt.Errorf("appbuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "manifest")
	native := []string{"CGO_ENABLED=0", "GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH} // it runs here
	if err := Build(ctx, pkg, manifestEntry, bin, &Options{Env: native}); err != nil {
		return nil, "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("appbuild: app %s does not start: %w: %s", pkg.ImportPath, err, strings.TrimSpace(stderr.String()))
	}
	var out manifestmain.Output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, "", fmt.Errorf("appbuild: manifest of %s: %w", pkg.ImportPath, err)
	}
	if out.Manifest == nil {
		return nil, "", errors.New("appbuild: the app printed no manifest")
	}
	return out.Manifest, out.Err, nil
}
