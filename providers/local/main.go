package local

import (
	"context"
	"errors"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/faaskit/faas/providers/local/devbind"
	"github.com/faaskit/faas/sdk"
)

// Environment read by Main, set by `faas dev`.
const (
	EnvAddr     = "FAAS_DEV_ADDR"      // listen address, default 127.0.0.1:8080
	EnvListenFD = "FAAS_DEV_LISTEN_FD" // an inherited listening socket, instead of EnvAddr
	EnvData     = devbind.EnvData      // data directory, default .faas/dev
)

// Main runs the app built by newApp under the local runtime and exits. It is
// the entry point faas dev compiles into the app binary.
func Main(newApp func() *sdk.App) {
	if _, set := os.LookupEnv("GOGC"); !set {
		// The dev server's heap is small and its requests allocate briskly:
		// trade some memory for less time collecting (GOGC still rules).
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, newApp, os.LookupEnv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faas dev:", err)
		os.Exit(1)
	}
}

// Run is Main without the process handling: it serves until ctx is done.
func Run(ctx context.Context, newApp func() *sdk.App, lookup func(string) (string, bool)) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ln, err := Listen(lookup)
	if err != nil {
		return err
	}
	defer ln.Close()
	baseURL := "http://" + ln.Addr().String()
	dataDir := DataDir(lookup)
	// The app's auth middleware reads its issuer from the environment when
	// it is built: point it at the dev issuer unless the user chose another.
	for k, v := range AuthEnv(baseURL) {
		if _, ok := lookup(k); !ok {
			os.Setenv(k, v)
		}
	}
	app := newApp()
	if err := app.Err(); err != nil {
		return err
	}
	d := NewInProcess(app, logger)
	srv, err := NewServer(ctx, app.Manifest(), d, &ServerOptions{DataDir: dataDir, BaseURL: baseURL, Logger: logger})
	if err != nil {
		return err
	}
	provider.Bind(app, devbind.New(dataDir, srv), lookup)
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "faas dev: app %q serving %s (data in %s)\n", app.Name(), baseURL, dataDir)
	return Serve(ctx, ln, srv, logger)
}

// AuthEnv is the environment that points an app's auth middleware
// (sdk/auth.ConfigFromEnv) at the dev issuer of a server at baseURL.
func AuthEnv(baseURL string) map[string]string {
	return map[string]string{"FAAS_AUTH_ISSUER": baseURL + IssuerPath, "FAAS_AUTH_AUDIENCE": DevAudience, "FAAS_AUTH_CLIENT_ID": DevAudience}
}

// DataDir is the data directory named by EnvData, default .faas/dev.
func DataDir(lookup func(string) (string, bool)) string {
	if v, ok := lookup(EnvData); ok && v != "" {
		return v
	}
	return ".faas/dev"
}

// Serve serves srv on ln, and runs its deliveries and schedules, until ctx
// is done or serving fails; then it shuts the HTTP server down gracefully
// (within 10s). It does not close srv.
func Serve(ctx context.Context, ln net.Listener, srv *Server, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           withBodyDeadline(srv, srv.bodyTimeout),
		ReadHeaderTimeout: srv.readHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { errc <- srv.Run(runCtx) }()
	go func() { errc <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	hs.Shutdown(shutdownCtx)
	cancel()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Listen returns the listening socket inherited from faas dev (EnvListenFD)
// or, without one, a new listener on EnvAddr (default 127.0.0.1:8080).
func Listen(lookup func(string) (string, bool)) (net.Listener, error) {
	if v, ok := lookup(EnvListenFD); ok && v != "" {
		fd, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: want a file descriptor number", EnvListenFD, v)
		}
		f := os.NewFile(uintptr(fd), "faas-dev-listener")
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("inherited listener fd %d: %w", fd, err)
		}
		return ln, nil
	}
	addr := "127.0.0.1:8080"
	if v, ok := lookup(EnvAddr); ok && v != "" {
		addr = v
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (choose another with --port)", addr, err)
	}
	return ln, nil
}
