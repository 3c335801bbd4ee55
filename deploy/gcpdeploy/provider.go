package gcpdeploy

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

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
//
// It is also a deploy.Deployer (Plan, Apply, Destroy, Outputs) that
// reconciles a project with the app's manifest through the Cloud
// Functions v2, Pub/Sub and Cloud Storage APIs.
type Provider struct {
	// opts, if set, reach the APIs somewhere other than their production
	// endpoints (see New); the registered Provider uses ADC.
	opts *ClientOptions
	// now, if set, is the clock that dates the deployment lock (tests).
	now func() time.Time
}

// New returns a Provider whose deploy verbs use the API clients configured
// by opts (nil: Application Default Credentials and the real endpoints).
func New(opts *ClientOptions) Provider { return Provider{opts: opts} }

var _ deploy.Emulator = Provider{}

// Name implements deploy.Provider.
func (Provider) Name() string { return Name }

// Describe implements deploy.Provider.
func (Provider) Describe() string {
	return "Google Cloud Run functions (gen2): source.zip, a Go source bundle for the " + Runtime + " buildpack, vendored"
}

// Flags implements deploy.Provider.
func (Provider) Flags() []deploy.Flag {
	return []deploy.Flag{
		{Name: "project", Usage: "gcp: project ID (default: GOOGLE_CLOUD_PROJECT)", Env: "GOOGLE_CLOUD_PROJECT", For: deploy.VerbDeploy},
		{Name: "region", Usage: "gcp: region, e.g. europe-west1 (default: CLOUDSDK_COMPUTE_REGION)", Env: "CLOUDSDK_COMPUTE_REGION", For: deploy.VerbDeploy},
	}
}

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
