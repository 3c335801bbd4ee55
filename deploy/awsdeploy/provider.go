package awsdeploy

import (
	"context"
	"path/filepath"
	"runtime"

	"github.com/aws/smithy-go/middleware"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/ziputil"
	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/providers/local"
)

// Name is the provider's --provider value.
const Name = "aws"

func init() { deploy.Register(Provider{}) }

// Provider is the AWS Lambda provider: Build writes bootstrap.zip, the
// artifact runs locally under lambdahost, and the deployer (Plan, Apply,
// Destroy, Outputs) reconciles an account with the manifest through
// direct aws-sdk-go-v2 calls.
type Provider struct {
	// APIOptions are added to every AWS client the deployer makes (tests
	// count and fail calls with them).
	APIOptions []func(*middleware.Stack) error
}

var _ deploy.Emulator = Provider{}

// Name implements deploy.Provider.
func (Provider) Name() string { return Name }

// Describe implements deploy.Provider.
func (Provider) Describe() string {
	return "AWS Lambda: bootstrap.zip, a static provided.al2023 'bootstrap' (lambda.norpc)"
}

// Flags implements deploy.Provider.
func (Provider) Flags() []deploy.Flag {
	return []deploy.Flag{
		{Name: "arch", Usage: "aws: Lambda architecture, arm64 (default) or amd64", Values: []string{"arm64", "amd64"}, For: deploy.VerbBuild | deploy.VerbDeploy},
		{Name: "region", Usage: "aws: region (default: the SDK's, e.g. AWS_REGION)", For: deploy.VerbDeploy},
		{Name: "profile", Usage: "aws: shared-config profile (default: the SDK's, e.g. AWS_PROFILE)", For: deploy.VerbDeploy},
	}
}

// Build implements deploy.Provider.
func (Provider) Build(ctx context.Context, req *deploy.BuildRequest) (*deploy.BuildResult, error) {
	r, err := Build(ctx, req.Dir, req.Out, &Options{Arch: req.Settings["arch"], Progress: req.ProgressWriter(), Wrap: req.Wrap, Local: req.Local})
	if err != nil {
		return nil, err
	}
	return &deploy.BuildResult{Provider: Name, Dir: filepath.Dir(r.Files[0]), Artifact: r.Files[0], Files: r.Files, Manifest: r.Manifest, Warnings: r.Warnings, Summary: r.Summary}, nil
}

// BuildLocal implements deploy.Emulator: the bootstrap for this machine.
func (p Provider) BuildLocal(ctx context.Context, req *deploy.BuildRequest) error {
	arch := "amd64"
	if runtime.GOARCH == "arm64" {
		arch = "arm64"
	}
	_, err := Build(ctx, req.Dir, req.Out, &Options{Arch: arch, Progress: req.ProgressWriter(), Wrap: req.Wrap, Local: true})
	return err
}

// StartLocal implements deploy.Emulator: it unpacks the bootstrap from the
// deployment zip, as Lambda does, and serves it through the Runtime API host.
func (Provider) StartLocal(_ context.Context, req *deploy.StartRequest) (local.Dispatcher, error) {
	unpacked := filepath.Join(req.Dir, "unpacked")
	if err := ziputil.Extract(filepath.Join(req.Dir, ZipName), unpacked); err != nil {
		return nil, err
	}
	var kv []string
	for k, v := range req.Env {
		kv = append(kv, k+"="+v)
	}
	return lambdahost.New(filepath.Join(unpacked, "bootstrap"), req.Manifest, &lambdahost.Options{Env: kv, Stderr: req.Output})
}
