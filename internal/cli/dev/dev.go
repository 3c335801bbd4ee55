// Package dev implements `faas dev`.
package dev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas dev`.
type Options struct {
	IO       *cmdutil.IOStreams
	Dir      string
	Port     int
	DataDir  string
	NoWatch  bool
	Interval time.Duration
	Emulate  string
}

// NewCmdDev returns the dev command. runF replaces devRun in tests.
func NewCmdDev(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "dev [dir]",
		Short: "Run an app locally: HTTP, events, schedules and sign-in in one process",
		Long: `Build the app in dir (default ".") and run it under the local runtime on
127.0.0.1, with durable embedded stores (blobs on disk, a SQLite document
store, a durable message queue) kept in <dir>/.faas/dev across restarts.
Source changes rebuild and restart the app; the port stays open throughout.

A development OIDC issuer runs at /_faas/oidc so sign-in works exactly as
in the cloud. The app directory must hold a Go package that declares
func App() *sdk.App.

With --emulate=aws|gcp|azure the app is built as that provider's artifact
instead ('faas build --provider', for this machine) and served through the
provider's local host: the real bootstrap under a Lambda Runtime API host,
the buildpack-built functions-framework server receiving CloudEvents, or
the custom handler under a Functions host. HTTP requests, topic messages,
blob events and schedules reach the app as that platform's native events;
the stores, sign-in and the admin endpoints stay the same.`,
		Example: `  faas dev ./examples/todo
  faas dev --port 0 --data /tmp/todo-data ./examples/todo
  faas dev --emulate=aws ./examples/todo

  # then, in another shell:
  TOKEN=$(curl -s -X POST http://127.0.0.1:8080/_faas/oidc/token \
      -d grant_type=password -d username=alice | jq -r .access_token)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/todos`,
		Args: cmdutil.DirArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Port < 0 || opts.Port > 65535 {
				return cmdutil.Usagef("--port %d: want 0 (any free port) to 65535", opts.Port)
			}
			if opts.Emulate != "" && !slices.Contains(Emulated(), opts.Emulate) {
				return cmdutil.Usagef("--emulate %q: want one of %s", opts.Emulate, strings.Join(Emulated(), ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return devRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Port, "port", "p", 8080, "port to serve on, on 127.0.0.1 (0 picks a free one)")
	cmd.Flags().StringVar(&opts.DataDir, "data", "", "data directory (default <dir>/.faas/dev)")
	cmd.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "do not rebuild on source changes")
	cmd.Flags().DurationVar(&opts.Interval, "poll", 300*time.Millisecond, "how often to check sources for changes")
	cmd.Flags().StringVar(&opts.Emulate, "emulate", "", "serve the app through a provider's local host: "+strings.Join(Emulated(), ", "))
	cmd.RegisterFlagCompletionFunc("emulate", cobra.FixedCompletions(Emulated(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// State is written to <data>/state.json while faas dev runs, so that other
// commands (faas invoke) can find the app.
type State struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

// StatePath returns where State is kept for a data directory.
func StatePath(dataDir string) string { return filepath.Join(dataDir, "state.json") }

func devRun(ctx context.Context, opts *Options) error {
	pkg, err := appbuild.Inspect(ctx, opts.Dir)
	if err != nil {
		return cmdutil.Usagef("%v", err)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(pkg.Dir, ".faas", "dev")
	}
	if dataDir, err = filepath.Abs(dataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "bin"), 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: opts.Port})
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1:%d: %w (is another faas dev running? use --port)", opts.Port, err)
	}
	defer ln.Close()
	url := "http://" + ln.Addr().String()
	st, _ := json.Marshal(State{URL: url, PID: os.Getpid()})
	if err := os.WriteFile(StatePath(dataDir), st, 0o644); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	defer os.Remove(StatePath(dataDir))

	// The watcher takes its first look before the first build, so an edit
	// made while that build runs is not mistaken for the built state.
	var (
		w     *watcher
		ticks <-chan time.Time
	)
	if !opts.NoWatch {
		if w, err = newWatcher(ctx, pkg.Sources); err != nil {
			return err
		}
		tick := time.NewTicker(opts.Interval)
		defer tick.Stop()
		ticks = tick.C
	}
	sup := &supervisor{io: opts.IO, pkg: pkg, dataDir: dataDir, ln: ln, url: url, emulate: opts.Emulate}
	start := time.Now()
	if opts.Emulate != "" {
		fmt.Fprintf(opts.IO.ErrOut, "faas dev: building %s for %s, to serve through its local host\n", pkg.ImportPath, opts.Emulate)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "faas dev: building %s\n", pkg.ImportPath)
	}
	if err := sup.rebuild(ctx); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "faas dev: serving %s (built and started in %v)\n", url, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(opts.IO.ErrOut, "faas dev: data in %s\n", dataDir)
	fmt.Fprintf(opts.IO.ErrOut, "faas dev: get a token: curl -s -X POST %s/_faas/oidc/token -d grant_type=password -d username=alice\n", url)
	defer sup.stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(opts.IO.ErrOut, "faas dev: stopping")
			return nil
		case <-sup.exited():
			sup.restartAfterExit(ctx)
			continue
		case <-ticks:
		}
		if !w.changed() {
			continue
		}
		t0 := time.Now()
		fmt.Fprintln(opts.IO.ErrOut, "faas dev: change detected; rebuilding")
		err := sup.rebuild(ctx)
		if rerr := w.refresh(ctx); rerr != nil && err == nil {
			fmt.Fprintf(opts.IO.ErrOut, "faas dev: listing sources: %v\n", rerr)
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			fmt.Fprintf(opts.IO.ErrOut, "faas dev: %v\nfaas dev: still serving the previous build; fix the error and save again\n", err)
			continue
		}
		fmt.Fprintf(opts.IO.ErrOut, "faas dev: reloaded in %v; serving %s\n", time.Since(t0).Round(time.Millisecond), url)
	}
}
