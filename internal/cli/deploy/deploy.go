// Package deploy implements `faas deploy`.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas deploy`.
type Options struct {
	IO       *cmdutil.IOStreams
	Dir      string
	Provider deploy.Deployer
	Settings deploy.Settings
	Stage    string
	Out      string
	JSON     bool
	DryRun   bool
	Auth     deploy.Auth
}

// Result is what --json prints: the plan, and the outputs unless --dry-run.
type Result struct {
	Plan    *deploy.Plan    `json:"plan"`
	Outputs *deploy.Outputs `json:"outputs,omitempty"`
}

// NewCmdDeploy returns the deploy command. runF replaces Run in tests.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "deploy --provider=" + strings.Join(deploy.Names(cmdutil.IsDeployer), "|") + " [--stage dev] [dir]",
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
		Args: cmdutil.DirArg,
	}
	df := cmdutil.AddDeployFlags(cmd)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan and stop (as 'faas plan')")
	cmd.Flags().StringVar(&opts.Auth.Issuer, "auth-issuer", "", "verify tokens from this OIDC issuer instead of creating one")
	cmd.Flags().StringVar(&opts.Auth.Audience, "auth-audience", "", "the audience (client ID) tokens of --auth-issuer carry")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, s, err := df.Resolve()
		if err != nil {
			return err
		}
		if err := CheckAuth(opts.Auth); err != nil {
			return err
		}
		opts.Dir, opts.Provider, opts.Settings, opts.Stage, opts.Out, opts.JSON = cmdutil.DirOf(args), p, s, df.Stage, df.Out, df.JSON
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return Run(cmd.Context(), opts)
	}
	return cmd
}

// CheckAuth refuses --auth-issuer without --auth-audience and the reverse.
func CheckAuth(a deploy.Auth) error {
	if (a.Issuer == "") != (a.Audience == "") {
		return cmdutil.Usagef("--auth-issuer and --auth-audience go together: give both, or neither to let faas create the sign-in")
	}
	if a.Issuer != "" && !strings.HasPrefix(a.Issuer, "https://") {
		return cmdutil.Usagef("--auth-issuer %q: want an https:// URL", a.Issuer)
	}
	return nil
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
