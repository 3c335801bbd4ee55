// Package cmdtest runs one verb's command in tests the way the root
// command runs it: output discarded and flag errors turned into usage errors
// (exit 2).
package cmdtest

import (
	"io"
	"strings"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Factory returns a Factory with empty stdin and discarded output.
func Factory() *cmdutil.Factory {
	return &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
}

// Execute runs cmd with args, as root.NewCmdRoot would.
func Execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.Usagef("%v", err) })
	return cmd.Execute()
}
