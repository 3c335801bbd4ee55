// Package root assembles the faas command tree.
package root

import (
	_ "github.com/faaskit/faas/deploy/all" // registers the aws, gcp and azure providers
	"github.com/faaskit/faas/internal/cli/build"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	clideploy "github.com/faaskit/faas/internal/cli/deploy"
	"github.com/faaskit/faas/internal/cli/destroy"
	"github.com/faaskit/faas/internal/cli/dev"
	"github.com/faaskit/faas/internal/cli/initcmd"
	"github.com/faaskit/faas/internal/cli/invoke"
	"github.com/faaskit/faas/internal/cli/outputs"
	"github.com/faaskit/faas/internal/cli/plan"
	"github.com/faaskit/faas/internal/cli/version"
	"github.com/spf13/cobra"
)

// NewCmdRoot returns the faas root command.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faas <command>",
		Short: "Write a serverless app once in Go; run it on AWS, GCP, Azure or locally",
		Long: `faas runs one Go app — HTTP handlers, topic messages, blob events and
schedules — on AWS Lambda, Google Cloud Run functions and Azure Functions,
and locally with 'faas dev' without Docker or a cloud account.`,
		Example: `  # run the to-do example locally
  faas dev ./examples/todo

  # send a message to its stats function
  faas invoke stats --data '{"id":"e1","type":"todo.created","user":"alice","todo_id":"x"}'`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without a subcommand faas prints its help; an argument that names
		// no subcommand is an unknown command.
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.Usagef("unknown command %q for %q\nRun '%s --help' for usage.", args[0], c.CommandPath(), c.CommandPath())
			}
			return nil
		},
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.Usagef("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	cmd.AddCommand(initcmd.NewCmdInit(f, nil), build.NewCmdBuild(f, nil), dev.NewCmdDev(f, nil), invoke.NewCmdInvoke(f, nil), version.NewCmdVersion(f), dev.NewCmdDevHost(f),
		clideploy.NewCmdDeploy(f, nil), plan.NewCmdPlan(f, nil), destroy.NewCmdDestroy(f, nil), outputs.NewCmdOutputs(f, nil))
	return cmd
}
