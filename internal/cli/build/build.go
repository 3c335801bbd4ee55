// Package build implements `faas build`.
package build

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas build`.
type Options struct {
	IO       *cmdutil.IOStreams
	Dir      string
	Provider deploy.Provider
	Settings deploy.Settings
	Out      string
	JSON     bool
}

// NewCmdBuild returns the build command. runF replaces buildRun in tests.
func NewCmdBuild(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	var artifacts []string
	for _, p := range deploy.Providers() {
		artifacts = append(artifacts, fmt.Sprintf("  %-7s %s", p.Name(), p.Describe()))
	}
	cmd := &cobra.Command{
		Use:   "build --provider=" + strings.Join(deploy.Names(nil), "|") + " [dir]",
		Short: "Build the deployment artifact of an app for one cloud",
		Long: `Build the app in dir (default ".") for one provider and write the artifact
and the app's manifest.json to <out>/<provider>/ (default dist/<provider>):

` + strings.Join(artifacts, "\n") + `

Each artifact links only its own provider's shim and cloud drivers.
With --json the result (files, manifest, warnings) is printed on stdout as
JSON; progress always goes to stderr.`,
		Example: `  faas build --provider=aws ./examples/todo
  faas build --provider=aws --arch amd64 --out /tmp/dist ./examples/todo
  faas build --provider=gcp --json ./examples/todo | jq .artifact`,
		Args: cmdutil.DirArg,
	}
	pf := cmdutil.AddProviderFlags(cmd, deploy.VerbBuild, nil)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Dir = cmdutil.DirOf(args)
		if err := cmdutil.CheckDir(opts.Dir); err != nil {
			return err
		}
		p, s, err := pf.Resolve()
		if err != nil {
			return err
		}
		opts.Provider, opts.Settings = p, s
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return buildRun(cmd.Context(), opts)
	}
	cmd.Flags().StringVar(&opts.Out, "out", "dist", "output directory; the artifact goes to <out>/<provider>")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON on stdout")
	return cmd
}

func buildRun(ctx context.Context, opts *Options) error {
	res, err := opts.Provider.Build(ctx, &deploy.BuildRequest{
		Dir:      opts.Dir,
		Out:      filepath.Join(opts.Out, opts.Provider.Name()),
		Settings: opts.Settings,
		Progress: opts.IO.ErrOut,
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, line := range res.Summary {
		fmt.Fprintln(opts.IO.Out, line)
	}
	return nil
}
