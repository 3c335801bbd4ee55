package gcfhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/faaskit/faas/sdk"
)

// Options configures Start.
type Options struct {
	// Env is added to every function process's environment, typically the
	// FAAS_* resource bindings.
	Env map[string]string
	// Output receives the processes' stdout and stderr (nil: os.Stderr).
	Output io.Writer
	// Project is GOOGLE_CLOUD_PROJECT inside the functions and in event
	// sources (default "faas-local").
	Project string
	// WorkDir is where the bundle is unpacked and built (default: a new
	// temporary directory, removed by Close).
	WorkDir string
	// Binary, if set, is the server already built from the bundle by
	// Build; Start then runs it instead of building again.
	Binary string
}

// Host is a running bundle: one functions-framework process per function.
// It implements the providers/local Dispatcher interface.
type Host struct {
	project string
	workDir string
	ownsDir bool
	funcs   map[string]*process
	routes  []*process // HTTP functions, longest path first
	client  *http.Client

	closeOnce sync.Once
	closeErr  error
}

// process is one function served by one framework process.
type process struct {
	fn    sdk.FunctionManifest
	url   *url.URL
	cmd   *exec.Cmd
	done  chan struct{}
	proxy *httputil.ReverseProxy
}

// Start builds the bundle in distDir (source.zip and manifest.json, as
// written by deploy/gcpdeploy), unless Options.Binary names the server
// already built, and starts every function. ctx bounds the
// build and start-up only.
func Start(ctx context.Context, distDir string, opts *Options) (*Host, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Project == "" {
		o.Project = "faas-local"
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	data, err := os.ReadFile(filepath.Join(distDir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("gcfhost: %w", err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("gcfhost: manifest.json: %w", err)
	}
	h := &Host{project: o.Project, workDir: o.WorkDir, funcs: map[string]*process{}, client: &http.Client{}}
	if h.workDir == "" {
		if h.workDir, err = os.MkdirTemp("", "faas-gcfhost-"); err != nil {
			return nil, fmt.Errorf("gcfhost: %w", err)
		}
		h.ownsDir = true
	}
	bin := o.Binary
	if bin == "" {
		if bin, err = Build(ctx, filepath.Join(distDir, "source.zip"), h.workDir); err != nil {
			h.Close()
			return nil, err
		}
	}
	for _, fm := range m.Functions {
		p, err := h.startProcess(ctx, bin, fm, &o)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.funcs[fm.Name] = p
		if fm.HTTP != nil {
			h.routes = append(h.routes, p)
		}
	}
	sort.SliceStable(h.routes, func(i, j int) bool { return len(h.routes[i].fn.HTTP.Path) > len(h.routes[j].fn.HTTP.Path) })
	return h, nil
}

// startProcess runs bin with FUNCTION_TARGET=fm.Name on a free loopback
// port and waits until it accepts connections.
func (h *Host) startProcess(ctx context.Context, bin string, fm sdk.FunctionManifest, o *Options) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"PORT="+port,
		"FUNCTION_TARGET="+fm.Name,
		"K_SERVICE="+fm.Name,
		"K_REVISION="+fm.Name+"-00001",
		"GOOGLE_CLOUD_PROJECT="+h.project,
		fmt.Sprintf("CLOUD_RUN_TIMEOUT_SECONDS=%d", int((fm.Timeout+time.Second-1)/time.Second)),
	)
	for k, v := range o.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = o.Output, o.Output
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("gcfhost: start %s: %w", fm.Name, err)
	}
	p := &process{fn: fm, cmd: cmd, done: make(chan struct{}), url: &url.URL{Scheme: "http", Host: "127.0.0.1:" + port}}
	go func() { cmd.Wait(); close(p.done) }()
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.url)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
			if r.Out.Header.Get("Traceparent") == "" {
				r.Out.Header.Set("Traceparent", newTraceparent())
			}
		},
		ErrorLog: nil,
	}
	if err := waitReady(ctx, p); err != nil {
		p.stop()
		return nil, fmt.Errorf("gcfhost: function %s: %w", fm.Name, err)
	}
	return p, nil
}

func waitReady(ctx context.Context, p *process) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", p.url.Host, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("process exited during start-up: %v", p.cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("not listening after 30s")
}

func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("gcfhost: %w", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// ServeHTTP sends r to the HTTP function whose path prefix matches it
// (longest first), as the function's URL would.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, p := range h.routes {
		prefix := p.fn.HTTP.Path
		if r.URL.Path == prefix || strings.HasPrefix(r.URL.Path, strings.TrimSuffix(prefix, "/")+"/") {
			p.proxy.ServeHTTP(w, r)
			return
		}
	}
	sdk.WriteError(w, sdk.Errorf(sdk.CodeNotFound, "no HTTP function serves %s", r.URL.Path))
}

// URL returns the base URL of the process serving function name.
func (h *Host) URL(name string) (string, bool) {
	p, ok := h.funcs[name]
	if !ok {
		return "", false
	}
	return p.url.String(), true
}

// Close stops every process and removes the work directory it created.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range h.funcs {
			wg.Add(1)
			go func() { defer wg.Done(); p.stop() }()
		}
		wg.Wait()
		if h.ownsDir {
			h.closeErr = os.RemoveAll(h.workDir)
		}
	})
	return h.closeErr
}
