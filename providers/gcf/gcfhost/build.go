// Package gcfhost runs a faas GCP source bundle locally the way Cloud Run
// functions does: it unpacks source.zip, builds it as Google's Go buildpack
// does (a generated main that blank-imports the root package and calls
// funcframework.Start, FUNCTION_TARGET selecting the function), starts one
// process per function on 127.0.0.1, and delivers HTTP requests, Pub/Sub and
// Cloud Storage CloudEvents (binary content mode, as Eventarc sends them) and
// Cloud Scheduler HTTP calls to them. It is the test bed of the GCP shim and
// the engine of `faas dev --emulate=gcp`.
package gcfhost

import (
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/faaskit/faas/internal/ziputil"
)

// Buildpack constants (GoogleCloudPlatform/buildpacks
// cmd/go/functions_framework/lib/lib.go).
const (
	fnSourceDir    = "serverless_function_source_code"
	appModuleDir   = "functions.local/app"
	ffModule       = "github.com/GoogleCloudPlatform/functions-framework-go"
	ffPackage      = ffModule + "/funcframework"
	ffFunctionsPkg = ffModule + "/functions"
	binaryName     = "main"
)

// mainTemplate is the buildpack's declarative main template, except that it
// listens on 127.0.0.1 instead of every interface (StartHostPort with the
// loopback host instead of Start).
var mainTemplate = template.Must(template.New("main").Parse(`// Binary main file implements an HTTP server that loads and runs user's code
// on incoming HTTP requests.
package main

import (
	"log"
	"net/http"
	"os"

	_ "{{.Package}}"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
)

func main() {
	http.HandleFunc("/robots.txt", http.NotFound)
	http.HandleFunc("/favicon.ico", http.NotFound)

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		log.Fatalf("Function failed to start: %v\n", err)
	}
}
`))

// Build unpacks the bundle zipPath into workDir and compiles it as the
// buildpack would, returning the path of the server binary. It enforces the
// buildpack's checks: one non-main package at the root (parsed like its
// package detector, which includes _test.go files and ignores build
// constraints), a go.mod whose module path has a dot in its first element,
// a vendor/ directory that contains the framework, and an import of the
// framework's functions package (the declarative template).
func Build(ctx context.Context, zipPath, workDir string) (string, error) {
	src := filepath.Join(workDir, fnSourceDir)
	if err := os.RemoveAll(src); err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	if err := ziputil.Extract(zipPath, src); err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	pkgName, imports, err := detectPackage(src)
	if err != nil {
		return "", err
	}
	if !slices.Contains(imports, ffFunctionsPkg) {
		return "", fmt.Errorf("gcfhost: the root package does not import %s; the buildpack would use its non-declarative template, which needs a Go identifier as entry point", ffFunctionsPkg)
	}
	mod, err := goOut(ctx, src, "list", "-m")
	if err != nil {
		return "", err
	}
	mod = strings.TrimSpace(mod)
	if first, _, _ := strings.Cut(mod, "/"); !strings.Contains(first, ".") {
		return "", fmt.Errorf("gcfhost: the module path in the function's go.mod must contain a dot in the first path element before a slash, e.g. example.com/module, found: %s", mod)
	}
	if _, err := os.Stat(filepath.Join(src, "vendor")); err == nil {
		v, err := goOut(ctx, src, "list", "-m", "-f", "{{.Version}}", ffModule)
		if err != nil || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("gcfhost: vendored dependencies must include %q: %v", ffModule, err)
		}
		if _, err := os.Stat(filepath.Join(src, "vendor", filepath.FromSlash(ffPackage))); err != nil {
			return "", fmt.Errorf("gcfhost: vendored dependencies must include %q", ffPackage)
		}
	}
	// The buildpack imports <module>/<package name> if a directory of that
	// name exists at the application root, else the module root.
	pkgPath := mod
	if fi, err := os.Stat(filepath.Join(workDir, pkgName)); err == nil && fi.IsDir() {
		pkgPath = mod + "/" + pkgName
	}
	mainDir := filepath.Join(src, filepath.FromSlash(appModuleDir))
	if err := os.MkdirAll(mainDir, 0o755); err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	var buf bytes.Buffer
	if err := mainTemplate.Execute(&buf, struct{ Package string }{pkgPath}); err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	if err := os.WriteFile(filepath.Join(mainDir, "main.go"), buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	bin := BinaryPath(workDir)
	if _, err := goOut(ctx, src, "build", "-trimpath", "-o", bin, "./"+appModuleDir); err != nil {
		return "", err
	}
	return bin, nil
}

// BinaryPath is where Build writes the server binary built in workDir.
func BinaryPath(workDir string) string { return filepath.Join(workDir, "bin", binaryName) }

// detectPackage mirrors the buildpack's get_package converter: parse every
// .go file at the root (imports only, _test.go included, build constraints
// ignored) and require exactly one package name, not main.
func detectPackage(dir string) (string, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("gcfhost: %w", err)
	}
	fset := token.NewFileSet()
	var name string
	var imports []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
		if err != nil {
			return "", nil, fmt.Errorf("gcfhost: failed to parse source in %s: %w", dir, err)
		}
		switch {
		case name == "":
			name = f.Name.Name
		case f.Name.Name != name:
			return "", nil, fmt.Errorf("gcfhost: multiple packages in user code directory: %s != %s", name, f.Name.Name)
		}
		for _, imp := range f.Imports {
			imports = append(imports, strings.Trim(imp.Path.Value, `"`))
		}
	}
	if name == "" {
		return "", nil, fmt.Errorf("gcfhost: unable to find Go package in %s", dir)
	}
	if name == "main" {
		return "", nil, fmt.Errorf("gcfhost: the root package is main; GCF needs a library package that registers functions")
	}
	return name, imports, nil
}

func goOut(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("gcfhost: go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
