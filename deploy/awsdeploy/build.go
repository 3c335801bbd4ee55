// Package awsdeploy builds an app into an AWS Lambda deployment package for
// the provided.al2023 runtime: "faas build --provider=aws" calls Build.
//
// The output directory receives
//
//	bootstrap.zip   one executable "bootstrap" at the root (mode 0755),
//	                a static linux binary (CGO_ENABLED=0) built with
//	                -tags lambda.norpc,grpcnotrace plus the driver tags
//	                -trimpath -ldflags="-s -w" -buildvcs=false; the zip
//	                is reproducible (fixed times, Deflate at its best
//	                compression level)
//	manifest.json   the app's manifest (functions, triggers, resources)
//
// One bootstrap serves every function of the app; the deployer creates
// one Lambda function per app function from the same zip and sets
// FAAS_FUNCTION on each (see package providers/awslambda).
//
// The bootstrap links only the gocloud.dev drivers for the resource kinds
// the manifest declares (DriverTags), and it is built with grpcnotrace:
// gocloud.dev's portable packages import gRPC for its status codes, and
// gRPC's default golang.org/x/net/trace import brings html/template, whose
// reflective method calls make the linker keep every exported method of
// every type stored in an interface (every operation of every AWS client).
// The tag removes only gRPC's /debug/requests and /debug/events pages on
// http.DefaultServeMux, which a Lambda function never serves.
package awsdeploy

import (
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/internal/ziputil"
	"github.com/faaskit/faas/sdk"
)

// Entry is the provider entry point the generated main calls.
var Entry = appbuild.Entry{Import: "github.com/faaskit/faas/providers/awslambda", Func: "Start"}

// Options configures Build. nil means defaults.
type Options struct {
	// Arch is the Lambda architecture: "arm64" (default, Graviton) or "amd64" (x86_64).
	Arch string
	// Progress receives one line per step. Default: discarded.
	Progress io.Writer
	// Tags are extra build tags, e.g. "faas.localdrivers" to link the
	// file:// and mem:// drivers for local tests. The driver tags
	// (DriverTags) are added from the manifest.
	Tags []string
	// Wrap, if set, wraps the app constructor (appbuild.Options.Wrap).
	Wrap *appbuild.Entry
	// Local builds the bootstrap for this machine's OS and architecture
	// instead of linux/Arch, to run it under a local Lambda host (faas dev
	// --emulate=aws on a non-Linux machine).
	Local bool
}

// Result lists what Build wrote.
type Result struct {
	Files   []string // absolute paths of the files written
	Summary []string // human-readable lines for the CLI
	// Manifest is the app's manifest, as written to manifest.json.
	Manifest *sdk.Manifest
	// Warnings are registration errors the app reports with the build
	// environment (usually settings only the deployed environment has).
	Warnings []string
}

// File names in the output directory.
const (
	ZipName      = "bootstrap.zip"
	ManifestName = "manifest.json"
)

// Build compiles the app in appDir for Lambda and writes the deployment
// package and manifest into outDir (created if needed).
func Build(ctx context.Context, appDir, outDir string, opts *Options) (*Result, error) {
	o := Options{Arch: "arm64", Progress: io.Discard}
	if opts != nil {
		if opts.Arch != "" {
			o.Arch = opts.Arch
		}
		if opts.Progress != nil {
			o.Progress = opts.Progress
		}
		o.Tags, o.Wrap, o.Local = opts.Tags, opts.Wrap, opts.Local
	}
	if o.Arch == "x86_64" {
		o.Arch = "amd64"
	}
	if o.Arch != "arm64" && o.Arch != "amd64" {
		return nil, fmt.Errorf("awsdeploy: architecture %q: use arm64 or amd64", o.Arch)
	}
	pkg, err := appbuild.Inspect(ctx, appDir)
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	tmp, err := os.MkdirTemp("", "faas-awsdeploy-")
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(o.Progress, "reading the manifest of %s\n", pkg.ImportPath)
	man, appErr, err := appbuild.ReadManifest(ctx, pkg)
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	manJSON, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	manJSON = append(manJSON, '\n')
	manPath := filepath.Join(outDir, ManifestName)
	if err := os.WriteFile(manPath, manJSON, 0o644); err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}

	fmt.Fprintf(o.Progress, "compiling bootstrap for linux/%s\n", o.Arch)
	bin := filepath.Join(tmp, "bootstrap")
	bo := BootstrapOptions(o.Arch, append(DriverTags(man), o.Tags...)...)
	bo.Wrap = o.Wrap
	if o.Local {
		bo.Env = append(bo.Env, "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH) // the last value of a key wins
	}
	if err := appbuild.Build(ctx, pkg, Entry, bin, bo); err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	binInfo, err := os.Stat(bin)
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: %w", err)
	}
	zipPath := filepath.Join(outDir, ZipName)
	fmt.Fprintf(o.Progress, "writing %s\n", zipPath)
	level := flate.BestCompression
	if o.Local {
		level = flate.BestSpeed // never uploaded: unpacked at once by the local host
	}
	zipSize, err := writeZip(zipPath, bin, level)
	if err != nil {
		return nil, err
	}
	absZip, _ := filepath.Abs(zipPath)
	absMan, _ := filepath.Abs(manPath)
	res := &Result{Files: []string{absZip, absMan}, Manifest: man}
	lambdaArch := map[string]string{"arm64": "arm64", "amd64": "x86_64"}[o.Arch]
	res.Summary = append(res.Summary,
		fmt.Sprintf("%s  %s (bootstrap %s, provided.al2023, %s)", zipPath, humanSize(zipSize), humanSize(binInfo.Size()), lambdaArch),
		fmt.Sprintf("%s  app %q, %d function(s)", manPath, man.App, len(man.Functions)))
	for _, f := range man.Functions {
		res.Summary = append(res.Summary, fmt.Sprintf("  function %-20s %-8s FAAS_FUNCTION=%s", f.Name, f.Kind, f.Name))
	}
	if appErr != "" {
		res.Warnings = append(res.Warnings, appErr)
		res.Summary = append(res.Summary, "warning: with the build environment the app reports: "+appErr,
			"warning: the deployed functions report this as an init error unless their environment fixes it")
	}
	return res, nil
}

// BootstrapOptions are the compiler settings of the bootstrap for arch,
// with extra build tags.
func BootstrapOptions(arch string, tags ...string) *appbuild.Options {
	return &appbuild.Options{
		Tags:    append([]string{"lambda.norpc", "grpcnotrace"}, tags...),
		Env:     []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -buildvcs=false")},
		LDFlags: "-s -w",
		Trim:    true,
	}
}

// Build tags that select the gocloud.dev drivers the bootstrap links (see
// "Drivers" in package providers/awslambda).
const (
	// SelectTag turns driver selection on: without it every AWS driver is linked.
	SelectTag = "faas.aws.select"
	// BlobTag links gocloud.dev/blob/s3blob (s3:// buckets).
	BlobTag = "faas.aws.blob"
	// DocstoreTag links gocloud.dev/docstore/awsdynamodb/v2 (dynamodb:// and dynamodb+ttl:// collections).
	DocstoreTag = "faas.aws.docstore"
	// PubSubTag links gocloud.dev/pubsub/awssnssqs (awssns:// and awssqs:// topics).
	PubSubTag = "faas.aws.pubsub"
)

// DriverTags returns the build tags that link exactly the drivers for the
// resource kinds m declares: SelectTag and, per declared kind, BlobTag,
// DocstoreTag or PubSubTag, in that order.
func DriverTags(m *sdk.Manifest) []string {
	tags := []string{SelectTag}
	for _, kt := range []struct {
		kind sdk.ResourceKind
		tag  string
	}{{sdk.KindBucket, BlobTag}, {sdk.KindCollection, DocstoreTag}, {sdk.KindTopic, PubSubTag}} {
		if slices.ContainsFunc(m.Resources, func(r sdk.ResourceManifest) bool { return r.Kind == kt.kind }) {
			tags = append(tags, kt.tag)
		}
	}
	return tags
}

// WriteZip writes bin as the executable "bootstrap" at the root of a
// deployment package at zipPath and returns the zip's size. The entry is
// Deflate-compressed at flate.BestCompression, which Lambda unpacks like
// any other zip; compress/flate is deterministic, so the same binary always
// gives the same zip.
func WriteZip(zipPath, bin string) (int64, error) {
	return writeZip(zipPath, bin, flate.BestCompression)
}

// writeZip is WriteZip at a given Deflate level.
func writeZip(zipPath, bin string, level int) (int64, error) {
	// Mode 0755 also marks the entry as made on Unix, so Lambda keeps the x bit.
	n, err := ziputil.Write(zipPath, []ziputil.Entry{{Name: "bootstrap", Mode: 0o755, Path: bin}}, level)
	if err != nil {
		return 0, fmt.Errorf("awsdeploy: %w", err)
	}
	return n, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
