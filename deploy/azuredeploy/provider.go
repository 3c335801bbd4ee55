package azuredeploy

import (
	"context"
	"path/filepath"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/providers/local"
)

// Name is the provider's --provider value.
const Name = "azure"

func init() { deploy.Register(Provider{}) }

// Provider is the Azure Functions provider: Build writes app.zip (a
// custom-handler app), the zip runs locally under funchost, and the
// deployer (Plan, Apply, Destroy, Outputs) deploys it to Flex Consumption
// with ARM templates and OneDeploy.
type Provider struct {
	// Deploy, if set, says how the deployer reaches Azure (tests wire
	// the SDK's fake servers in here); nil uses the default credential
	// chain and the public cloud.
	Deploy *DeployOptions
}

var _ deploy.Emulator = Provider{}

// Name implements deploy.Provider.
func (Provider) Name() string { return Name }

// Describe implements deploy.Provider.
func (Provider) Describe() string {
	return "Azure Functions: app.zip, host.json, one folder per function, the custom handler"
}

// Flags implements deploy.Provider.
func (Provider) Flags() []deploy.Flag {
	return []deploy.Flag{
		{Name: "subscription", Usage: "azure: subscription ID", Env: "AZURE_SUBSCRIPTION_ID", For: deploy.VerbDeploy},
		{Name: "location", Usage: "azure: region of the resource groups, e.g. westeurope (default: the existing groups')", Env: "AZURE_LOCATION", For: deploy.VerbDeploy},
		{Name: "resource-group", Usage: "azure: the app's resource group (default <app>-<stage>; data goes in <group>-data)", For: deploy.VerbDeploy},
	}
}

// Build implements deploy.Provider.
func (Provider) Build(ctx context.Context, req *deploy.BuildRequest) (*deploy.BuildResult, error) {
	r, err := Build(ctx, req.Dir, req.Out, &Options{Progress: req.ProgressWriter(), Wrap: req.Wrap, Local: req.Local})
	if err != nil {
		return nil, err
	}
	return &deploy.BuildResult{Provider: Name, Dir: filepath.Dir(r.Files[0]), Artifact: r.Files[0], Files: r.Files, Manifest: r.Manifest, Warnings: r.Warnings, Summary: r.Summary}, nil
}

// BuildLocal implements deploy.Emulator.
func (Provider) BuildLocal(ctx context.Context, req *deploy.BuildRequest) error {
	_, err := Build(ctx, req.Dir, req.Out, &Options{Progress: req.ProgressWriter(), Wrap: req.Wrap, Local: true})
	return err
}

// StartLocal implements deploy.Emulator.
func (Provider) StartLocal(ctx context.Context, req *deploy.StartRequest) (local.Dispatcher, error) {
	return funchost.Start(ctx, filepath.Join(req.Dir, "app.zip"), &funchost.Options{Env: req.Env, Output: req.Output})
}
