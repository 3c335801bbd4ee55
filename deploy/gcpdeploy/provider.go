package gcpdeploy

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/gcf/gcfhost"
	"github.com/faaskit/faas/providers/local"
)

// Name is the provider's --provider value.
const Name = "gcp"

func init() { deploy.Register(Provider{}) }

// Provider is the Google Cloud Run functions provider: Build writes the
// source bundle, and the bundle runs locally under gcfhost, built the way
// the Go buildpack builds it.
type Provider struct{}

var _ deploy.Emulator = Provider{}

// Name implements deploy.Provider.
func (Provider) Name() string { return Name }

// Describe implements deploy.Provider.
func (Provider) Describe() string {
	return "Google Cloud Run functions (gen2): source.zip, a Go source bundle for the " + Runtime + " buildpack, vendored"
}

// Flags implements deploy.Provider.
func (Provider) Flags() []deploy.Flag { return nil }

// Build implements deploy.Provider.
func (Provider) Build(ctx context.Context, req *deploy.BuildRequest) (*deploy.BuildResult, error) {
	r, err := Build(ctx, req.Dir, req.Out, &Options{Progress: req.ProgressWriter(), Wrap: req.Wrap})
	if err != nil {
		return nil, err
	}
	return &deploy.BuildResult{Provider: Name, Dir: filepath.Dir(r.Files[0]), Artifact: r.Files[0], Files: r.Files, Manifest: r.Manifest, Warnings: r.Warnings, Summary: r.Summary}, nil
}

// BuildLocal implements deploy.Emulator: it writes the source bundle and
// builds it the way the buildpack does, so that a compile error is
// reported here, before the running version is replaced.
func (Provider) BuildLocal(ctx context.Context, req *deploy.BuildRequest) error {
	if _, err := Build(ctx, req.Dir, req.Out, &Options{Progress: req.ProgressWriter(), Wrap: req.Wrap, SkipCompile: true}); err != nil {
		return err
	}
	fmt.Fprintln(req.ProgressWriter(), "building the bundle as the Go buildpack does")
	_, err := gcfhost.Build(ctx, filepath.Join(req.Out, BundleFile), filepath.Join(req.Out, "work"))
	return err
}

// StartLocal implements deploy.Emulator.
func (Provider) StartLocal(ctx context.Context, req *deploy.StartRequest) (local.Dispatcher, error) {
	work := filepath.Join(req.Dir, "work")
	return gcfhost.Start(ctx, req.Dir, &gcfhost.Options{Env: req.Env, Output: req.Output, WorkDir: work, Binary: gcfhost.BinaryPath(work)})
}
