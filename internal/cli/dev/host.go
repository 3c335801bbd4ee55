package dev

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/deploy"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
	"github.com/spf13/cobra"
)

// HostCommand is the hidden command faas dev --emulate runs as its child:
// the dev server in front of a provider's local host.
const HostCommand = "__dev-host"

// NewCmdDevHost returns the hidden command that serves one provider build
// (written by faas dev --emulate into dist) under that provider's local
// host, behind the dev server: it takes the listening socket and data
// directory from the environment faas dev sets (FAAS_DEV_LISTEN_FD,
// FAAS_DEV_DATA).
func NewCmdDevHost(f *cmdutil.Factory) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:    HostCommand + " --emulate=aws|gcp|azure DIST",
		Short:  "Serve a provider build behind the dev server (run by faas dev --emulate)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			em, err := emulatorFor(provider)
			if err != nil {
				return cmdutil.Usagef("%v", err)
			}
			ln, err := local.Listen(os.LookupEnv)
			if err != nil {
				return err
			}
			defer ln.Close()
			dataDir, err := filepath.Abs(local.DataDir(os.LookupEnv))
			if err != nil {
				return err
			}
			return hostRun(cmd.Context(), f.IO, em, args[0], ln, dataDir)
		},
	}
	cmd.Flags().StringVar(&provider, "emulate", "", "provider whose host runs the build")
	return cmd
}

// hostRun serves the build in dist on ln until ctx is done, with the dev
// stores in dataDir.
func hostRun(ctx context.Context, io *cmdutil.IOStreams, em deploy.Emulator, dist string, ln net.Listener, dataDir string) error {
	logger := slog.New(slog.NewTextHandler(io.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	data, err := os.ReadFile(filepath.Join(dist, "manifest.json"))
	if err != nil {
		return fmt.Errorf("reading the build's manifest: %w", err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dist, "manifest.json"), err)
	}
	baseURL := "http://" + ln.Addr().String()
	env := map[string]string{devbind.EnvData: dataDir, devbind.EnvServer: baseURL}
	for k, v := range local.AuthEnv(baseURL) {
		if _, ok := os.LookupEnv(k); !ok {
			env[k] = v
		}
	}
	d, err := em.StartLocal(ctx, &deploy.StartRequest{Dir: dist, Manifest: &m, Env: env, Output: io.ErrOut})
	if err != nil {
		return err
	}
	srv, err := local.NewServer(ctx, &m, d, &local.ServerOptions{DataDir: dataDir, BaseURL: baseURL, Logger: logger})
	if err != nil {
		d.Close()
		return err
	}
	defer srv.Close()
	return local.Serve(ctx, ln, srv, logger)
}
