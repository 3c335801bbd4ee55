// Package version implements `faas version`.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdVersion returns the version command.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the faas version",
		Example: "  faas version",
		Args:    cmdutil.MaxArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(f.IO.Out, "faas %s (%s, %s/%s)\n", Resolve(f.Version), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// Resolve returns v, or the module version from the build info when v is empty.
func Resolve(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
