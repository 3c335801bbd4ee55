// Command faas builds, runs and deploys faas apps. See `faas --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/internal/cli/root"
)

// version is set with -ldflags "-X main.version=v1.2.3" in releases.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := &cmdutil.Factory{IO: cmdutil.System(), Version: version}
	cmd := root.NewCmdRoot(f)
	err := cmd.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(f.IO.ErrOut, "faas:", err)
	}
	os.Exit(cmdutil.ExitCode(err))
}
