package appbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goEnv is what `go env` says of the app's directory: its module file and
// workspace file, if any.
type goEnv struct {
	GOMOD  string
	GOWORK string
}

func readGoEnv(ctx context.Context, dir string) (*goEnv, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "-json", "GOMOD", "GOWORK")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("appbuild: go env in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var e goEnv
	if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
		return nil, fmt.Errorf("appbuild: go env output: %w", err)
	}
	if e.GOMOD == "" || e.GOMOD == os.DevNull {
		return nil, fmt.Errorf("appbuild: %s is not inside a Go module: add a go.mod (faas init writes one)", dir)
	}
	return &e, nil
}

// modFlags returns the go command flags that let a build resolve the
// packages faas adds to the app (the provider entry point and its
// dependencies) without touching the user's go.mod.
//
// The generated main imports a provider package the app itself does not
// import, so the app module's go.mod may lack requirements (and go.sum
// hashes) for that package's dependencies; a plain build then fails with
// "updates to go.mod needed". Outside a workspace, the build therefore runs
// with -modfile on a private copy of go.mod and go.sum in tmp and -mod=mod,
// so the go command completes the copy from the module graph (at the
// versions faas itself requires) and the user's files stay as they are.
// Relative replace directives keep working: the go command resolves them
// against the module root, not the -modfile location.
//
// In workspace mode (-modfile is not allowed there) the build uses the
// workspace as it is: every module in it, faas included when it is used as
// a local checkout, contributes its requirements.
func (p *Package) modFlags(tmp string) ([]string, error) {
	if p.goWork != "" && p.goWork != "off" {
		return nil, nil
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(p.goMod), name))
		if err != nil {
			if name == "go.sum" && os.IsNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("appbuild: %w", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return nil, fmt.Errorf("appbuild: %w", err)
		}
	}
	return []string{"-modfile=" + filepath.Join(tmp, "go.mod"), "-mod=mod"}, nil
}
