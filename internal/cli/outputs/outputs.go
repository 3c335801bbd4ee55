// Package outputs implements `faas outputs`.
package outputs

import (
	"context"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas outputs`.
type Options struct {
	IO       *cmdutil.IOStreams
	Dir      string
	Provider deploy.Deployer
	Settings deploy.Settings
	Stage    string
	Out      string
	JSON     bool
	Auth     deploy.Auth
}

// NewCmdOutputs returns the outputs command. runF replaces outputsRun in tests.
func NewCmdOutputs(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "outputs --provider=" + strings.Join(deploy.Names(cmdutil.IsDeployer), "|") + " [--stage dev] [dir]",
		Short: "Print the outputs of a deployment",
		Long: `Print what 'faas deploy' printed at the end: the app's URL and, when faas
created the sign-in, the OIDC issuer and client ID; read from the cloud.
With --json, every output (with the provider's extras) as JSON.`,
		Example: `  faas outputs --provider=aws ./examples/todo
  faas outputs --provider=aws --json . | jq -r .url`,
		Args: cmdutil.DirArg,
	}
	df := cmdutil.AddDeployFlags(cmd)
	cmd.Flags().StringVar(&opts.Auth.Issuer, "auth-issuer", "", "the external OIDC issuer the stage was deployed with")
	cmd.Flags().StringVar(&opts.Auth.Audience, "auth-audience", "", "the audience of --auth-issuer")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, s, err := df.Resolve()
		if err != nil {
			return err
		}
		opts.Dir, opts.Provider, opts.Settings, opts.Stage, opts.Out, opts.JSON = cmdutil.DirOf(args), p, s, df.Stage, df.Out, df.JSON
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return outputsRun(cmd.Context(), opts)
	}
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
