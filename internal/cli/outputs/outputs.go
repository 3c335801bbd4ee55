// Package outputs implements `faas outputs`.
package outputs

import (
	"context"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas outputs`.
type Options struct {
	cmdutil.DeployOptions
	Auth deploy.Auth
}

// NewCmdOutputs returns the outputs command. runF replaces outputsRun in tests.
func NewCmdOutputs(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{DeployOptions: cmdutil.DeployOptions{IO: f.IO}}
	if runF == nil {
		runF = outputsRun
	}
	cmd := &cobra.Command{
		Use:   cmdutil.DeployUse("outputs", ""),
		Short: "Print the outputs of a deployment",
		Long: `Print what 'faas deploy' printed at the end: the app's URL and, when faas
created the sign-in, the OIDC issuer and client ID; read from the cloud.
With --json, every output (with the provider's extras) as JSON.`,
		Example: `  faas outputs --provider=aws ./examples/todo
  faas outputs --provider=aws --json . | jq -r .url`,
	}
	cmdutil.DeployCommand(cmd, &opts.DeployOptions, nil, func(ctx context.Context) error { return runF(ctx, opts) })
	cmdutil.AddAuthFlags(cmd, &opts.Auth, "the external OIDC issuer the stage was deployed with", "the audience of --auth-issuer")
	return cmd
}

func outputsRun(ctx context.Context, opts *Options) error {
	t, err := cmdutil.ManifestTarget(ctx, opts.IO, opts.Provider, opts.Settings, opts.Dir, opts.Out, opts.Stage)
	if err != nil {
		return err
	}
	t.Auth = opts.Auth
	out, err := opts.Provider.Outputs(ctx, t)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}
	cmdutil.PrintOutputs(opts.IO.Out, out)
	return nil
}
