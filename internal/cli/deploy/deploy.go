// Package deploy implements `faas deploy`.
package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas deploy`.
type Options struct {
	cmdutil.DeployOptions
	DryRun bool
	Auth   deploy.Auth
}

// Result is what --json prints: the plan, and the outputs unless --dry-run.
type Result struct {
	Plan    *deploy.Plan    `json:"plan"`
	Outputs *deploy.Outputs `json:"outputs,omitempty"`
}

// NewCmdDeploy returns the deploy command. runF replaces Run in tests.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{DeployOptions: cmdutil.DeployOptions{IO: f.IO}}
	if runF == nil {
		runF = Run
	}
	cmd := &cobra.Command{
		Use:   cmdutil.DeployUse("deploy", ""),
		Short: "Build the app and create or update its deployment",
		Long: `Build the app in dir (default ".") exactly as 'faas build' does, read what
the stage already has in the cloud, print the plan, and apply it: create
what is missing, update what differs, delete what the app no longer
declares. Then print the outputs: the app's URL and, when faas created the
sign-in, the OIDC issuer and client ID.

Nothing is kept locally: what a stage owns is found in the cloud by name
(<app>-<stage>-...) and tags, so another machine or a CI job can deploy the
same stage. A second deploy with nothing changed makes no change. After a
failure, run deploy again: it converges. Ctrl-C finishes the call in flight
and stops. Limits the platform cannot meet are refused before any call.

Progress goes to stderr, one line per resource. With --json the plan and
the outputs are printed on stdout as JSON.`,
		Example: `  faas deploy --provider=aws ./examples/todo
  faas deploy --provider=aws --stage prod --region eu-west-1 ./examples/todo
  faas deploy --provider=aws --dry-run ./examples/todo
  faas deploy --provider=aws --auth-issuer https://login.example.com --auth-audience todo .`,
	}
	cmdutil.DeployCommand(cmd, &opts.DeployOptions, func() error { return cmdutil.CheckAuth(opts.Auth) },
		func(ctx context.Context) error { return runF(ctx, opts) })
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan and stop (as 'faas plan')")
	cmdutil.AddAuthFlags(cmd, &opts.Auth, "verify tokens from this OIDC issuer instead of creating one", "the audience (client ID) tokens of --auth-issuer carry")
	return cmd
}

// Run builds, plans and (unless opts.DryRun) applies: the work of faas
// deploy, and of faas plan.
func Run(ctx context.Context, opts *Options) error {
	t, err := cmdutil.BuildTarget(ctx, opts.IO, opts.Provider, opts.Settings, opts.Dir, opts.Out, opts.Stage)
	if err != nil {
		return err
	}
	t.Auth = opts.Auth
	color := opts.IO.ColorEnabled()
	t.Progress = cmdutil.ProgressPrinter(opts.IO.ErrOut, color, opts.IO.IsTerminal())
	fmt.Fprintf(opts.IO.ErrOut, "reading the live state of %s (%s, stage %s)\n", t.App(), opts.Provider.Name(), t.Stage)
	pl, err := opts.Provider.Plan(ctx, t)
	if err != nil {
		return err
	}
	planOut := opts.IO.ErrOut
	if opts.DryRun && !opts.JSON {
		planOut = opts.IO.Out
	}
	cmdutil.PrintPlan(planOut, pl, color)
	if opts.DryRun {
		if opts.JSON {
			return cmdutil.WriteJSON(opts.IO.Out, Result{Plan: pl})
		}
		return nil
	}
	out, err := opts.Provider.Apply(ctx, t, pl)
	if err != nil {
		var ae *deploy.ApplyError
		if errors.As(err, &ae) {
			for _, c := range ae.NotDone {
				fmt.Fprintf(opts.IO.ErrOut, "not applied: %s\n", c)
			}
		}
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, Result{Plan: pl, Outputs: out})
	}
	cmdutil.PrintOutputs(opts.IO.Out, out)
	return nil
}
