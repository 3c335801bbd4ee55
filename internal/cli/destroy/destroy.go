// Package destroy implements `faas destroy`.
package destroy

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas destroy`.
type Options struct {
	cmdutil.DeployOptions
	Yes        bool
	DeleteData bool
}

// NewCmdDestroy returns the destroy command. runF replaces destroyRun in tests.
func NewCmdDestroy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{DeployOptions: cmdutil.DeployOptions{IO: f.IO}}
	if runF == nil {
		runF = destroyRun
	}
	cmd := &cobra.Command{
		Use:   cmdutil.DeployUse("destroy", "[--yes] [--delete-data]"),
		Short: "Remove a deployment",
		Long: `Remove what the app in dir (default ".") owns at the stage, as found in the
cloud by name and tags. Data (buckets, tables, and the user pool with its
users) is kept unless --delete-data; what was kept is listed.

destroy asks for confirmation on a terminal; --yes skips the question, and
is required when stdin is not a terminal. The app's manifest is read from
<out>/<provider>/manifest.json, or built if there is none.`,
		Example: `  faas destroy --provider=aws ./examples/todo
  faas destroy --provider=aws --stage pr-42 --yes --delete-data .`,
	}
	cmdutil.DeployCommand(cmd, &opts.DeployOptions, func() error {
		if !opts.Yes && !opts.IO.InIsTerminal() {
			return cmdutil.Usagef("destroy asks for confirmation, and stdin is not a terminal: pass --yes")
		}
		return nil
	}, func(ctx context.Context) error { return runF(ctx, opts) })
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.DeleteData, "delete-data", false, "also delete buckets, tables and the user pool, with their data")
	return cmd
}

func destroyRun(ctx context.Context, opts *Options) error {
	t, err := cmdutil.ManifestTarget(ctx, opts.IO, opts.Provider, opts.Settings, opts.Dir, opts.Out, opts.Stage)
	if err != nil {
		return err
	}
	if !opts.Yes {
		what := "everything except its data"
		if opts.DeleteData {
			what = "everything, DATA INCLUDED"
		}
		fmt.Fprintf(opts.IO.ErrOut, "Destroy %s of %s at stage %s (%s)? Type the stage name to confirm: ", what, t.App(), t.Stage, opts.Provider.Name())
		line, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if strings.TrimSpace(line) != t.Stage {
			return fmt.Errorf("destroy: not confirmed; nothing was removed")
		}
	}
	t.Progress = cmdutil.ProgressPrinter(opts.IO.ErrOut, opts.IO.ColorEnabled(), opts.IO.IsTerminal())
	res, err := opts.Provider.Destroy(ctx, t, &deploy.DestroyOptions{DeleteData: opts.DeleteData})
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, res)
	}
	fmt.Fprintf(opts.IO.Out, "removed %d resource(s)\n", len(res.Deleted))
	for _, r := range res.Kept {
		fmt.Fprintf(opts.IO.Out, "kept %s %s\n", r.Kind, r.Name)
	}
	if len(res.Kept) > 0 {
		fmt.Fprintln(opts.IO.Out, "(run destroy with --delete-data to remove the data too)")
	}
	return nil
}
