// Package azuredeploy implements faas build --provider=azure: it compiles
// an app with the azurefunc custom handler for linux/amd64 and packages it
// as an Azure Functions app zip (host.json, one folder per function with
// its function.json, and the handler binary with mode 0755), plus the
// app's manifest.json.
package azuredeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/sdk"
)

// Entry is the provider entry point compiled into the handler.
var Entry = appbuild.Entry{Import: "github.com/faaskit/faas/providers/azurefunc", Func: "Main"}

// Options are the Azure build flags.
type Options struct {
	// Progress receives one line per step; nil discards.
	Progress io.Writer
	// ServiceBusConnection is the app-setting name the Service Bus
	// triggers use. Default DefaultServiceBusConnection.
	ServiceBusConnection string
	// RoutePrefix is host.json extensions.http.routePrefix. Default ""
	// (none), so that public paths are the app's own paths, as on every
	// other provider; set "api" for the Functions default.
	RoutePrefix string
	// Wrap, if set, wraps the app constructor (appbuild.Options.Wrap).
	Wrap *appbuild.Entry
	// Local compiles the handler for this machine's OS and architecture
	// instead of linux/amd64, to run it under a local Functions host
	// (faas dev --emulate=azure on a non-Linux machine).
	Local bool
}

// Result lists what Build wrote.
type Result struct {
	Files   []string // absolute paths
	Summary []string // human-readable lines for the CLI
	// Manifest is the app's manifest, as written to manifest.json.
	Manifest *sdk.Manifest
	// Warnings are registration errors the app reports with the build
	// environment (usually settings only the deployed environment has).
	Warnings []string
}

// Build compiles the app in appDir and writes outDir/app.zip and
// outDir/manifest.json.
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
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	tmp, err := os.MkdirTemp("", "faas-azuredeploy-")
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(progress, "reading the manifest of %s\n", pkg.ImportPath)
	m, appErr, err := appbuild.ReadManifest(ctx, pkg)
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	layout, err := NewLayout(m, opts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "compiling the custom handler (linux/amd64, CGO_ENABLED=0)\n")
	handler := filepath.Join(tmp, HandlerName)
	env := []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"}
	if opts.Local {
		env = append(env, "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH) // the last value of a key wins
	}
	err = appbuild.Build(ctx, pkg, Entry, handler, &appbuild.Options{Env: env, LDFlags: "-s -w", Trim: true, Wrap: opts.Wrap})
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	if err := CheckNoForeignCloud(handler); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	files, err := layout.Files()
	if err != nil {
		return nil, err
	}
	zipPath, err := filepath.Abs(filepath.Join(outDir, "app.zip"))
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	fmt.Fprintf(progress, "writing %s\n", zipPath)
	size, err := writeZip(zipPath, files, handler)
	if err != nil {
		return nil, err
	}
	manPath := filepath.Join(filepath.Dir(zipPath), "manifest.json")
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: manifest: %w", err)
	}
	if err := os.WriteFile(manPath, append(mb, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("azuredeploy: %w", err)
	}
	res := &Result{Files: []string{zipPath, manPath}, Manifest: m}
	if appErr != "" {
		res.Warnings = append(res.Warnings, appErr)
	}
	res.Summary = append(res.Summary, fmt.Sprintf("%s: %.1f MiB, custom handler %q (linux/amd64), %d functions", zipPath, float64(size)/(1<<20), HandlerName, len(layout.Order)))
	for _, name := range layout.Order {
		res.Summary = append(res.Summary, "  "+describe(name, layout.Host.RoutePrefix(), layout.Functions[name]))
	}
	if appErr != "" {
		// Usually settings (FAAS_AUTH_*) that only the deployed environment
		// has; the handler refuses to start if they are still missing there.
		res.Summary = append(res.Summary, "warning: with the build environment the app reports: "+appErr,
			"warning: the deployed handler refuses to start unless its environment fixes this")
	}
	return res, nil
}

// describe is one Summary line for a function.
func describe(name, prefix string, fj FunctionJSON) string {
	b := fj.Bindings[0]
	switch b.Type {
	case "httpTrigger":
		return fmt.Sprintf("%s: HTTP %s (forwarded)", name, path.Join("/", prefix, b.Route))
	case "serviceBusTrigger":
		return fmt.Sprintf("%s: Service Bus topic %q, subscription %q", name, b.TopicName, b.SubscriptionName)
	case "eventGridTrigger":
		return fmt.Sprintf("%s: Event Grid Microsoft.Storage.BlobCreated/BlobDeleted", name)
	case "timerTrigger":
		return fmt.Sprintf("%s: timer %q (NCRONTAB, UTC)", name, b.Schedule)
	}
	return name + ": " + b.Type
}

func joinErrs(errs []error) error {
	return fmt.Errorf("azuredeploy: the app cannot be deployed to Azure Functions:\n%w", errors.Join(errs...))
}
