// Package gcpdeploy writes the source bundle that Google Cloud Run functions
// (Cloud Functions gen2, Go buildpack, runtime go126) builds and serves:
// `faas build --provider=gcp`.
//
// The bundle (source.zip) holds
//
//	go.mod, go.sum   module faas.local/gcf/<app>, go directive of the app/SDK
//	function.go      package function: init() { gcf.Register(app.App) }
//	vendor/          every dependency: the app, the faas SDK and shim,
//	                 functions-framework-go, gocloud.dev and its GCP drivers
//	_modules/<n>/    go.mod/go.sum of locally replaced modules (the app, faas)
//
// and nothing else: no _test.go files, one non-main package at the root. It
// is self-contained, so the buildpack needs no private module access and
// compiles exactly the dependency versions faas build resolved. See
// README.md in providers/gcf for why vendoring was chosen.
package gcpdeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// Runtime is the Cloud Run functions runtime the bundle targets. The SDK's
// go.mod says go 1.26, which go125 and older reject.
const Runtime = "go126"

// BundleFile is the name of the source bundle inside outDir.
const BundleFile = "source.zip"

// Options configures Build.
type Options struct {
	// Progress receives one line per step (nil: discard).
	Progress io.Writer
	// ExtraImports are blank-imported by the bundle's root package, e.g.
	// gocloud.dev/blob/fileblob for tests that bind file:// buckets.
	ExtraImports []string
	// Wrap, if set, names a func(func() *sdk.App) func() *sdk.App that the
	// root package applies to the app constructor before registering it
	// (faas dev --emulate=gcp binds resources to the dev server this way).
	Wrap *appbuild.Entry
	// SkipCompile skips the compile check of the bundle (the manifest is
	// still produced, which compiles the app alone).
	SkipCompile bool
}

// Result describes what Build wrote.
type Result struct {
	Files   []string // absolute paths of the files written
	Summary []string // human-readable lines for the CLI
	// Functions lists what to deploy: one GCF function per app function.
	Functions []Function
	// Manifest is the app's manifest, as written to manifest.json.
	Manifest *sdk.Manifest
	// Warnings are registration errors the app reports with the build
	// environment (usually settings only the deployed environment has).
	Warnings []string
}

// Function is one deployable function of the bundle.
type Function struct {
	Name       string                `json:"name"`
	EntryPoint string                `json:"entry_point"` // buildConfig.entryPoint = FUNCTION_TARGET
	Signature  gcf.Signature         `json:"signature"`
	Kind       sdk.Kind              `json:"kind"`
	Trigger    string                `json:"trigger"` // human-readable trigger description
	Manifest   *sdk.FunctionManifest `json:"-"`
}

// Deployment is the content of outDir/gcp.json: how to deploy the bundle.
type Deployment struct {
	Runtime   string     `json:"runtime"`
	Module    string     `json:"module"`
	Source    string     `json:"source"`
	Functions []Function `json:"functions"`
}

// Build writes outDir/source.zip, outDir/manifest.json (the app's manifest)
// and outDir/gcp.json (runtime and entry points) for the app in appDir.
func Build(ctx context.Context, appDir, outDir string, opts *Options) (*Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	pkg, err := appbuild.Inspect(ctx, appDir)
	if err != nil {
		return nil, fmt.Errorf("gcpdeploy: %w", err)
	}
	stage, err := os.MkdirTemp("", "faas-gcpdeploy-")
	if err != nil {
		return nil, fmt.Errorf("gcpdeploy: %w", err)
	}
	defer os.RemoveAll(stage)

	fmt.Fprintf(progress, "gcp: staging %s\n", pkg.ImportPath)
	b := &bundle{dir: stage, pkg: pkg, opts: opts, progress: progress}
	if err := b.stage(ctx); err != nil {
		return nil, err
	}
	manifest, appErr, err := b.manifest(ctx)
	if err != nil {
		return nil, err
	}
	if appErr != "" {
		fmt.Fprintf(progress, "gcp: warning: the app reports registration errors here; the deployed function refuses to start unless its environment fixes them:\n%s\n", appErr)
	}
	if !opts.SkipCompile {
		fmt.Fprintf(progress, "gcp: compile check (go build -mod=vendor)\n")
		if err := b.goCmd(ctx, "build", "-mod=vendor", "-trimpath", "."); err != nil {
			return nil, err
		}
	}
	if err := b.relocateReplacements(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("gcpdeploy: %w", err)
	}
	zipPath, err := filepath.Abs(filepath.Join(outDir, BundleFile))
	if err != nil {
		return nil, fmt.Errorf("gcpdeploy: %w", err)
	}
	fmt.Fprintf(progress, "gcp: writing %s\n", zipPath)
	size, err := writeZip(stage, zipPath)
	if err != nil {
		return nil, err
	}

	res := &Result{Files: []string{zipPath}, Manifest: manifest}
	if appErr != "" {
		res.Warnings = append(res.Warnings, appErr)
	}
	dep := Deployment{Runtime: Runtime, Module: b.module, Source: BundleFile}
	for i := range manifest.Functions {
		fm := &manifest.Functions[i]
		fn := Function{Name: fm.Name, EntryPoint: gcf.EntryPoint(fm.Name), Kind: fm.Kind, Trigger: trigger(fm), Manifest: fm}
		fn.Signature = gcf.SignatureHTTP
		if fm.Kind == sdk.KindMessage || fm.Kind == sdk.KindBlob {
			fn.Signature = gcf.SignatureCloudEvent
		}
		dep.Functions = append(dep.Functions, fn)
	}
	res.Functions = dep.Functions
	for name, v := range map[string]any{"manifest.json": manifest, "gcp.json": dep} {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("gcpdeploy: %w", err)
		}
		p, _ := filepath.Abs(filepath.Join(outDir, name))
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("gcpdeploy: %w", err)
		}
		res.Files = append(res.Files, p)
	}
	res.Summary = append(res.Summary,
		fmt.Sprintf("%s  %.1f MiB  (runtime %s, module %s)", zipPath, float64(size)/(1<<20), Runtime, b.module),
		"entry points (one Cloud Run function each; --entry-point = FUNCTION_TARGET):")
	for _, f := range dep.Functions {
		res.Summary = append(res.Summary, fmt.Sprintf("  %-20s %-10s %s", f.EntryPoint, f.Signature, f.Trigger))
	}
	if appErr != "" {
		res.Summary = append(res.Summary, "warning: registration errors on the build machine (set the missing settings in the function's environment):")
		for _, l := range strings.Split(appErr, "\n") {
			res.Summary = append(res.Summary, "  "+l)
		}
	}
	return res, nil
}

// trigger describes how GCP invokes a function.
func trigger(fm *sdk.FunctionManifest) string {
	switch {
	case fm.HTTP != nil:
		return "HTTPS (public), path " + fm.HTTP.Path
	case fm.Message != nil:
		return fmt.Sprintf("Pub/Sub %s (topic %q, %d attempts then dead letter)", gcf.TypeMessagePublished, fm.Message.Topic, fm.Message.MaxAttempts)
	case fm.Blob != nil:
		kinds := make([]string, 0, len(fm.Blob.Events))
		for _, k := range fm.Blob.Events {
			if k == sdk.BlobCreated {
				kinds = append(kinds, gcf.TypeObjectFinalized)
			} else {
				kinds = append(kinds, gcf.TypeObjectDeleted)
			}
		}
		return fmt.Sprintf("Cloud Storage %s (bucket %q)", strings.Join(kinds, ", "), fm.Blob.Bucket)
	case fm.Schedule != nil:
		return fmt.Sprintf("Cloud Scheduler HTTP job with OIDC token (%s)", fm.Schedule.Expr)
	}
	return ""
}
