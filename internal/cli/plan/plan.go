// Package plan implements `faas plan`.
package plan

import (
	"context"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	clideploy "github.com/faaskit/faas/internal/cli/deploy"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas plan`.
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

// NewCmdPlan returns the plan command. runF replaces planRun in tests.
func NewCmdPlan(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "plan --provider=" + strings.Join(deploy.Names(cmdutil.IsDeployer), "|") + " [--stage dev] [dir]",
		Short: "Show what deploy would create, update and delete",
		Long: `Build the app in dir (default "."), read the stage's live state, and print
what 'faas deploy' would create (+), update (~, with the fields that differ)
and delete (-). Makes no change in the cloud and exits 0. The same as
'faas deploy --dry-run'. With --json the plan is printed as JSON.`,
		Example: `  faas plan --provider=aws ./examples/todo
  faas plan --provider=aws --stage prod --json . | jq '.plan.changes[].name'`,
		Args: cmdutil.DirArg,
	}
	df := cmdutil.AddDeployFlags(cmd)
	cmd.Flags().StringVar(&opts.Auth.Issuer, "auth-issuer", "", "verify tokens from this OIDC issuer instead of creating one")
	cmd.Flags().StringVar(&opts.Auth.Audience, "auth-audience", "", "the audience (client ID) tokens of --auth-issuer carry")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, s, err := df.Resolve()
		if err != nil {
			return err
		}
		if err := clideploy.CheckAuth(opts.Auth); err != nil {
			return err
		}
		opts.Dir, opts.Provider, opts.Settings, opts.Stage, opts.Out, opts.JSON = cmdutil.DirOf(args), p, s, df.Stage, df.Out, df.JSON
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return planRun(cmd.Context(), opts)
	}
	return cmd
}

// planRun is deploy --dry-run.
func planRun(ctx context.Context, opts *Options) error {
	return clideploy.Run(ctx, &clideploy.Options{IO: opts.IO, Dir: opts.Dir, Provider: opts.Provider, Settings: opts.Settings,
		Stage: opts.Stage, Out: opts.Out, JSON: opts.JSON, Auth: opts.Auth, DryRun: true})
}
