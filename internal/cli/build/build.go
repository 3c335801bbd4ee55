// Package build implements `faas build`.
package build

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faaskit/faas/deploy/awsdeploy"
	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/deploy/gcpdeploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas build`.
type Options struct {
	IO       *cmdutil.IOStreams
	Dir      string
	Provider string
	Out      string
	Arch     string
}

// Providers lists the accepted --provider values.
var Providers = []string{"aws", "gcp", "azure"}

// NewCmdBuild returns the build command. runF replaces buildRun in tests.
func NewCmdBuild(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "build --provider=aws|gcp|azure [dir]",
		Short: "Build the deployment artifact of an app for one cloud",
		Long: `Build the app in dir (default ".") for one provider and write the artifact
and the app's manifest.json to <out>/<provider>/ (default dist/<provider>):

  aws     bootstrap.zip: a static provided.al2023 'bootstrap' (lambda.norpc)
  gcp     source.zip: a Go source bundle for the go126 buildpack, vendored
  azure   app.zip: host.json, one folder per function, the custom handler

Each artifact links only its own provider's shim and cloud drivers.`,
		Example: `  faas build --provider=aws ./examples/todo
  faas build --provider=aws --arch amd64 --out /tmp/dist ./examples/todo
  faas build --provider=gcp ./examples/todo`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if !slices.Contains(Providers, opts.Provider) {
				return cmdutil.Usagef("--provider %q: want one of %s", opts.Provider, strings.Join(Providers, ", "))
			}
			if opts.Arch != "" && opts.Provider != "aws" {
				return cmdutil.Usagef("--arch applies to --provider=aws only")
			}
			if opts.Arch != "" && opts.Arch != "arm64" && opts.Arch != "amd64" {
				return cmdutil.Usagef("--arch %q: want arm64 or amd64", opts.Arch)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return buildRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "target cloud: aws, gcp or azure (required)")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "dist", "output directory; the artifact goes to <out>/<provider>")
	cmd.Flags().StringVar(&opts.Arch, "arch", "", "aws only: arm64 (default) or amd64")
	cmd.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(Providers, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func buildRun(ctx context.Context, opts *Options) error {
	out := filepath.Join(opts.Out, opts.Provider)
	progress := opts.IO.ErrOut
	var (
		summary []string
		err     error
	)
	switch opts.Provider {
	case "aws":
		var r *awsdeploy.Result
		if r, err = awsdeploy.Build(ctx, opts.Dir, out, &awsdeploy.Options{Arch: opts.Arch, Progress: progress}); err == nil {
			summary = r.Summary
		}
	case "gcp":
		var r *gcpdeploy.Result
		if r, err = gcpdeploy.Build(ctx, opts.Dir, out, &gcpdeploy.Options{Progress: progress}); err == nil {
			summary = r.Summary
		}
	case "azure":
		var r *azuredeploy.Result
		if r, err = azuredeploy.Build(ctx, opts.Dir, out, &azuredeploy.Options{Progress: progress}); err == nil {
			summary = r.Summary
		}
	}
	if err != nil {
		return err
	}
	for _, line := range summary {
		fmt.Fprintln(opts.IO.Out, line)
	}
	return nil
}
