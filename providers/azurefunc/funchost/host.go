// Package funchost is a local stand-in for the Azure Functions host, for
// tests and faas dev --emulate=azure. It runs the exact app.zip that
// deploy/azuredeploy writes: it unpacks it, starts the custom-handler binary
// the way the host does (FUNCTIONS_CUSTOMHANDLER_PORT, readiness probe on
// GET /), and speaks the documented custom-handler protocol to it:
// forwarded HTTP (or JSON-mode HTTP when host.json does not enable
// forwarding) and JSON-mode trigger payloads for Service Bus, Event Grid
// and timer triggers, encoded as the host encodes them.
//
// A Host implements the local.Dispatcher interface of providers/local.
package funchost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/faaskit/faas/internal/ziputil"
	"github.com/faaskit/faas/providers/azurefunc/hostjson"
)

// Options configures Start.
type Options struct {
	// Env is added to the handler's environment (FAAS_* bindings, ...).
	Env map[string]string
	// Output receives the handler's stdout and stderr and the Logs of
	// JSON-mode responses. Default os.Stderr.
	Output io.Writer
	// StartTimeout bounds the wait for readiness. Default 30s, the host's
	// InitializationTimeout.
	StartTimeout time.Duration
	// MaxDeliveryCount is the Service Bus subscription's delivery limit used
	// by Send. Default 10, Service Bus's default.
	MaxDeliveryCount int
}

// Host is a running function app.
type Host struct {
	dir     string
	cfg     hostjson.Host
	funcs   map[string]hostjson.Function
	routes  []route
	base    string // http://127.0.0.1:<port>
	client  *http.Client
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	out     io.Writer
	opts    Options

	mu       sync.Mutex
	lastTick map[string]time.Time
}

// HostVersion is the version the emulator reports in
// X-Azure-Functions-HostVersion and User-Agent.
const HostVersion = "4.1037.0-faas-funchost"

// Start unpacks zipPath into a temporary directory, starts its handler and
// waits until it answers. Close stops it and removes the directory.
func Start(ctx context.Context, zipPath string, opts *Options) (*Host, error) {
	h := &Host{funcs: map[string]hostjson.Function{}, lastTick: map[string]time.Time{}, exited: make(chan struct{})}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.StartTimeout <= 0 {
		h.opts.StartTimeout = 30 * time.Second
	}
	if h.opts.MaxDeliveryCount <= 0 {
		h.opts.MaxDeliveryCount = 10
	}
	h.out = h.opts.Output
	if h.out == nil {
		h.out = os.Stderr
	}
	dir, err := os.MkdirTemp("", "funchost-")
	if err != nil {
		return nil, fmt.Errorf("funchost: %w", err)
	}
	h.dir = dir
	if err := ziputil.Extract(zipPath, dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("funchost: %w", err)
	}
	if err := h.load(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := h.startHandler(ctx); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// startHandler runs the executable named in host.json and polls GET / as
// the host does until any HTTP answer arrives.
func (h *Host) startHandler(ctx context.Context) error {
	d := h.cfg.CustomHandler.Description
	exe := filepath.Join(h.dir, filepath.FromSlash(d.DefaultExecutablePath))
	fi, err := os.Stat(exe)
	if err != nil {
		return fmt.Errorf("funchost: defaultExecutablePath %q: %w", d.DefaultExecutablePath, err)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("funchost: %s is not executable in the zip (mode %v); the Linux host cannot start it", d.DefaultExecutablePath, fi.Mode().Perm())
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	h.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	h.client = &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cmd := exec.Command(exe, d.Arguments...)
	cmd.Dir = filepath.Join(h.dir, filepath.FromSlash(d.WorkingDirectory))
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("FUNCTIONS_CUSTOMHANDLER_PORT=%d", port),
		fmt.Sprintf("FUNCTIONS_HTTPWORKER_PORT=%d", port),
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+newGUID(),
		"FUNCTIONS_WORKER_RUNTIME=custom",
	)
	for k, v := range h.opts.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = h.out, h.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("funchost: starting %s: %w", exe, err)
	}
	h.cmd = cmd
	go func() {
		h.exitErr = cmd.Wait()
		close(h.exited)
	}()
	deadline := time.Now().Add(h.opts.StartTimeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/", nil)
		resp, err := h.client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-h.exited:
			return fmt.Errorf("funchost: the handler exited before it was ready: %v", h.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("funchost: waiting for the handler: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("funchost: the handler did not answer on port %d within %v", port, h.opts.StartTimeout)
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("funchost: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Close stops the handler (SIGTERM, then SIGKILL after 5 s) and removes the
// unpacked app.
func (h *Host) Close() error {
	var err error
	if h.client != nil {
		// Pooled connections that never carried a request would hold up
		// the handler's graceful shutdown for 5 s (net/http treats new
		// connections as active until then).
		h.client.CloseIdleConnections()
	}
	if h.cmd != nil && h.cmd.Process != nil {
		select {
		case <-h.exited:
		default:
			h.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-h.exited:
			case <-time.After(5 * time.Second):
				h.cmd.Process.Kill()
				<-h.exited
				err = errors.New("funchost: the handler did not stop on SIGTERM; killed")
			}
		}
	}
	if h.client != nil {
		h.client.CloseIdleConnections()
	}
	if rerr := os.RemoveAll(h.dir); rerr != nil && err == nil {
		err = fmt.Errorf("funchost: %w", rerr)
	}
	return err
}

// invoke POSTs a JSON-mode invocation to /<function> and decodes the
// response. A non-2xx status or an unparsable body is a failed
// invocation, as for the host (EnsureSuccessStatusCode).
func (h *Host) invoke(ctx context.Context, function string, data, metadata map[string]any) (*invokeResponse, error) {
	if metadata == nil {
		metadata = map[string]any{}
	}
	metadata["sys"] = map[string]any{"MethodName": function, "UtcNow": time.Now().UTC().Format(time.RFC3339Nano), "RandGuid": newGUID()}
	body, err := json.Marshal(map[string]any{"Data": data, "Metadata": metadata})
	if err != nil {
		return nil, fmt.Errorf("funchost: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/"+function, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("funchost: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	h.addHeaders(req.Header, newGUID())
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("funchost: invoking %s: %w", function, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("funchost: invoking %s: %w", function, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &InvocationError{Function: function, Status: resp.StatusCode, Body: strings.TrimSpace(string(rb))}
	}
	var ir invokeResponse
	if err := json.Unmarshal(rb, &ir); err != nil {
		return nil, fmt.Errorf("funchost: %s: invalid invocation response: %w: %.200q", function, err, rb)
	}
	for _, l := range ir.Logs {
		fmt.Fprintf(h.out, "[%s] %s\n", function, l)
	}
	return &ir, nil
}

// InvocationError is a failed JSON-mode invocation: the handler answered
// with a non-2xx status.
type InvocationError struct {
	Function string
	Status   int
	Body     string
}

func (e *InvocationError) Error() string {
	return fmt.Sprintf("funchost: %s failed with status %d: %.300s", e.Function, e.Status, e.Body)
}

type invokeResponse struct {
	Outputs     map[string]json.RawMessage `json:"Outputs"`
	Logs        []string                   `json:"Logs"`
	ReturnValue json.RawMessage            `json:"ReturnValue"`
}

// addHeaders sets the headers the host puts on every invocation request.
func (h *Host) addHeaders(hdr http.Header, invocationID string) {
	hdr.Set("X-Azure-Functions-InvocationId", invocationID)
	hdr.Set("X-Azure-Functions-HostVersion", HostVersion)
	hdr.Set("User-Agent", "Azure-Functions-Host/"+HostVersion)
}
