// Package plan implements `faas plan`.
package plan

import (
	"context"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	clideploy "github.com/faaskit/faas/internal/cli/deploy"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas plan`.
type Options struct {
	cmdutil.DeployOptions
	Auth deploy.Auth
}

// NewCmdPlan returns the plan command. runF replaces planRun in tests.
func NewCmdPlan(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{DeployOptions: cmdutil.DeployOptions{IO: f.IO}}
	if runF == nil {
		runF = planRun
	}
	cmd := &cobra.Command{
		Use:   cmdutil.DeployUse("plan", ""),
		Short: "Show what deploy would create, update and delete",
		Long: `Build the app in dir (default "."), read the stage's live state, and print
what 'faas deploy' would create (+), update (~, with the fields that differ)
and delete (-). Makes no change in the cloud and exits 0. The same as
'faas deploy --dry-run'. With --json the plan is printed as JSON.`,
		Example: `  faas plan --provider=aws ./examples/todo
  faas plan --provider=aws --stage prod --json . | jq '.plan.changes[].name'`,
	}
	cmdutil.DeployCommand(cmd, &opts.DeployOptions, func() error { return cmdutil.CheckAuth(opts.Auth) },
		func(ctx context.Context) error { return runF(ctx, opts) })
	cmdutil.AddAuthFlags(cmd, &opts.Auth, "verify tokens from this OIDC issuer instead of creating one", "the audience (client ID) tokens of --auth-issuer carry")
	return cmd
}

// planRun is deploy --dry-run.
func planRun(ctx context.Context, opts *Options) error {
	return clideploy.Run(ctx, &clideploy.Options{DeployOptions: opts.DeployOptions, Auth: opts.Auth, DryRun: true})
}
