// Package appbuild compiles a faas app together with a provider entry point.
//
// An app is a Go package (not main) that exports
//
//	func App() *sdk.App
//
// Build generates a tiny main package that calls a provider's entry point
// with that function and compiles it with `go build -overlay`, so nothing is
// written into the user's source tree.
package appbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Package describes an app package found by Inspect.
type Package struct {
	Dir        string // absolute directory of the app package
	ImportPath string // its import path
	ModuleDir  string // root directory of its module
	ModulePath string // its module path
	Name       string // its package name

	goMod  string // the module's go.mod
	goWork string // the workspace file, if the directory is in a workspace
}

// Inspect finds the app package in dir and checks that it exports
// func App() *sdk.App. Errors say what to fix.
func Inspect(ctx context.Context, dir string) (*Package, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("appbuild: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("appbuild: %s is not a directory with a Go package", dir)
	}
	env, err := readGoEnv(ctx, abs)
	if err != nil {
		return nil, err
	}
	pkg := &Package{goMod: env.GOMOD, goWork: env.GOWORK}
	tmp, err := os.MkdirTemp("", "faas-inspect-")
	if err != nil {
		return nil, fmt.Errorf("appbuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	mf, err := pkg.modFlags(tmp)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"list"}, mf...), "-json=Dir,ImportPath,Name,Module", ".")...)
	cmd.Dir = abs
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("appbuild: go list in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var info struct {
		Dir, ImportPath, Name string
		Module                *struct{ Dir, Path string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return nil, fmt.Errorf("appbuild: go list output: %w", err)
	}
	if info.Module == nil {
		return nil, fmt.Errorf("appbuild: %s is not inside a Go module: add a go.mod", dir)
	}
	if info.Name == "main" {
		return nil, fmt.Errorf("appbuild: %s is package main; an app is a library package exporting func App() *sdk.App", dir)
	}
	if err := checkAppFunc(abs); err != nil {
		return nil, err
	}
	pkg.Dir, pkg.ImportPath, pkg.ModuleDir, pkg.ModulePath, pkg.Name = info.Dir, info.ImportPath, info.Module.Dir, info.Module.Path, info.Name
	return pkg, nil
}

func checkAppFunc(dir string) error {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("appbuild: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("appbuild: %w", err)
		}
		for _, d := range f.Decls {
			if isAppFunc(d) {
				return nil
			}
		}
	}
	return fmt.Errorf("appbuild: %s does not declare func App() *sdk.App; add one that builds and returns your app", dir)
}

// Entry is a provider entry point: the import path of the provider package
// and the function to call with the app constructor, e.g.
// {"github.com/faaskit/faas/providers/local", "Main"}.
type Entry struct {
	Import string
	Func   string
}

// Options controls Build.
type Options struct {
	Tags    []string // build tags
	Env     []string // extra environment, e.g. GOOS=linux, CGO_ENABLED=0
	LDFlags string   // -ldflags value
	Trim    bool     // -trimpath
	// Wrap, if set, names a func(func() *sdk.App) func() *sdk.App applied
	// to the app constructor before the entry point gets it; faas dev
	// --emulate uses it to bind the app's resources to the dev stores.
	Wrap *Entry
}

// Build compiles pkg with a generated main calling entry.Func(app.App) into out.
func Build(ctx context.Context, pkg *Package, entry Entry, out string, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	tmp, err := os.MkdirTemp("", "faas-build-")
	if err != nil {
		return fmt.Errorf("appbuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	mainDir := filepath.Join(pkg.Dir, "zz_faas_main")
	if _, err := os.Stat(mainDir); err == nil {
		return fmt.Errorf("appbuild: %s exists; remove it, the build generates that package", mainDir)
	}
	src := mainSource(pkg.ImportPath, entry, opts.Wrap)
	gen := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(gen, []byte(src), 0o644); err != nil {
		return fmt.Errorf("appbuild: %w", err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(mainDir, "main.go"): gen}})
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, overlay, 0o644); err != nil {
		return fmt.Errorf("appbuild: %w", err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("appbuild: %w", err)
	}
	mf, err := pkg.modFlags(tmp)
	if err != nil {
		return err
	}
	args := append(append([]string{"build"}, mf...), "-overlay", ovFile, "-o", absOut)
	if len(opts.Tags) > 0 {
		args = append(args, "-tags", strings.Join(opts.Tags, ","))
	}
	if opts.Trim {
		args = append(args, "-trimpath")
	}
	if opts.LDFlags != "" {
		args = append(args, "-ldflags", opts.LDFlags)
	}
	args = append(args, "./zz_faas_main")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = pkg.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("appbuild: go build %s: %w\n%s", pkg.ImportPath, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// mainSource is the generated main package: entry.Func(app.App), or
// entry.Func(wrap.Func(app.App)) when wrap is set.
func mainSource(appImport string, entry Entry, wrap *Entry) string {
	var b strings.Builder
	b.WriteString("// Code generated by faas. DO NOT EDIT.\n\npackage main\n\nimport (\n")
	fmt.Fprintf(&b, "\tapp %q\n\tprovider %q\n", appImport, entry.Import)
	constructor := "app.App"
	if wrap != nil {
		fmt.Fprintf(&b, "\twrap %q\n", wrap.Import)
		constructor = fmt.Sprintf("wrap.%s(app.App)", wrap.Func)
	}
	fmt.Fprintf(&b, ")\n\nfunc main() { provider.%s(%s) }\n", entry.Func, constructor)
	return b.String()
}
