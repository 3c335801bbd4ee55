package azurefunc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/faaskit/faas/sdk"

	// The Azure drivers behind the FAAS_* bindings, plus the portable
	// in-process and file drivers (used by tests and faas dev --emulate).
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/docstore/memdocstore"
	_ "gocloud.dev/docstore/mongodocstore"
	_ "gocloud.dev/pubsub/azuresb"
	_ "gocloud.dev/pubsub/mempubsub"
)

// Environment variables set by the Functions host for a custom handler.
const (
	EnvPort       = "FUNCTIONS_CUSTOMHANDLER_PORT"
	EnvLegacyPort = "FUNCTIONS_HTTPWORKER_PORT"
)

// Main is the handler binary's entry point: it builds the app with newApp,
// refuses to start if the app has registration errors (the message goes
// to stderr, which the host logs, and the exit status is 1), and serves
// the custom-handler protocol on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT
// until SIGTERM. The route prefix and HTTP forwarding mode come from the
// host.json in the working directory, which the host sets to the app root.
func Main(newApp func() *sdk.App) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := func() error {
		cfg, err := LoadHostConfig(".")
		if err != nil {
			return err
		}
		return Run(ctx, newApp(), os.LookupEnv, &Options{RoutePrefix: cfg.RoutePrefix, Forwarding: cfg.Forwarding, TriggerKey: cfg.TriggerKey})
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Run serves app until ctx is done. lookup reads the host's environment
// (os.LookupEnv in Main).
func Run(ctx context.Context, app *sdk.App, lookup func(string) (string, bool), opts *Options) error {
	h, err := NewHandler(app, opts)
	if err != nil {
		return err
	}
	port, ok := lookup(EnvPort)
	if !ok || port == "" {
		port, ok = lookup(EnvLegacyPort)
	}
	if !ok || port == "" {
		return fmt.Errorf("azurefunc: %s is not set: this binary is an Azure Functions custom handler and is started by the Functions host (func start, or faas dev --emulate=azure)", EnvPort)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("azurefunc: listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		app.Close(ctx)
		return fmt.Errorf("azurefunc: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if cerr := app.Close(sctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return fmt.Errorf("azurefunc: shutdown: %w", err)
	}
	return nil
}
