// Package lambdahost runs a real Lambda bootstrap locally behind an
// implementation of the Lambda Runtime API (2018-06-01), the way the
// provided.al2023 runtime does, so tests and "faas dev --emulate=aws"
// exercise the exact artifact that is deployed.
//
// Each function gets a pool of execution environments. An environment is
// one bootstrap process with its own Runtime API listener on 127.0.0.1 (a
// random port, passed as AWS_LAMBDA_RUNTIME_API). Like Lambda, an
// environment handles one invocation at a time; concurrent invocations
// start more environments, up to Options.MaxConcurrency per function,
// after which callers queue. Environments start on first use (a cold
// start), are reused while warm, and are replaced when their process exits,
// crashes or times out.
//
// The host enforces the contract: it hands out request IDs and the
// Lambda-Runtime-Deadline-Ms, Lambda-Runtime-Invoked-Function-Arn and
// Lambda-Runtime-Trace-Id headers; it accepts /response and /error only for
// the invocation in flight (400 for an unknown request ID, 403 for a
// second answer, 413 for responses over 6 MB), answers 202, records
// /runtime/init/error and reports it to the waiting caller, and kills an
// environment whose invocation exceeds the function's timeout.
//
// Host also converts portable calls into native AWS events (see
// ServeHTTP, DeliverMessage, DeliverBlob and FireSchedule), which is the
// Dispatcher that "faas dev --emulate=aws" drives.
package lambdahost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/faaskit/faas/sdk"
)

// Limits of the Lambda platform that the host enforces.
const (
	// MaxPayload is the synchronous invocation payload limit, request and response.
	MaxPayload = 6 * 1024 * 1024
	// InitTimeout bounds an environment's init phase (Lambda's is 10 s).
	InitTimeout = 10 * time.Second
)

// Options configures a Host. The zero value is usable.
type Options struct {
	// Env is added to every bootstrap's environment (resource bindings
	// such as FAAS_BUCKET_<NAME>=…, credentials, …). The bootstrap does not
	// inherit the host's environment, as on Lambda.
	Env []string
	// Stderr receives the bootstraps' stdout and stderr. Default os.Stderr.
	Stderr io.Writer
	// MaxConcurrency is the number of execution environments per function.
	// Default 8.
	MaxConcurrency int
	// Region is reported in ARNs and AWS_REGION. Default us-east-1.
	Region string
}

// Host runs one app's bootstrap for each of its functions.
type Host struct {
	bootstrap string
	manifest  *sdk.Manifest
	opts      Options

	mu     sync.Mutex
	pools  map[string]*pool
	closed bool
}

// New returns a Host that runs bootstrap (an executable file) for the
// functions listed in manifest. No process starts until the first
// invocation.
func New(bootstrap string, manifest *sdk.Manifest, opts *Options) (*Host, error) {
	if fi, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	} else if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("lambdahost: %s is not an executable file", bootstrap)
	}
	if manifest == nil {
		return nil, errors.New("lambdahost: nil manifest")
	}
	h := &Host{bootstrap: bootstrap, manifest: manifest, pools: map[string]*pool{}}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.Stderr == nil {
		h.opts.Stderr = os.Stderr
	}
	if h.opts.MaxConcurrency <= 0 {
		h.opts.MaxConcurrency = 8
	}
	if h.opts.Region == "" {
		h.opts.Region = "us-east-1"
	}
	return h, nil
}

// FunctionError is an error the function reported (through /error or
// /runtime/init/error) or a platform failure of the invocation (timeout,
// crash), with Lambda's error type, e.g. "Runtime.ExitError".
type FunctionError struct {
	Type    string
	Message string
	Body    []byte // the error document as posted, if any
}

// Error implements error.
func (e *FunctionError) Error() string {
	return fmt.Sprintf("lambdahost: function error %s: %s", e.Type, e.Message)
}

// Invoke runs one synchronous invocation of function with payload and
// returns the response bytes. A *FunctionError reports a failed
// invocation; other errors are the host's own.
func (h *Host) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, &FunctionError{Type: "RequestTooLarge", Message: fmt.Sprintf("request payload of %d bytes exceeds %d", len(payload), MaxPayload)}
	}
	p, err := h.pool(function)
	if err != nil {
		return nil, err
	}
	return p.invoke(ctx, payload)
}

func (h *Host) pool(function string) (*pool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("lambdahost: host is closed")
	}
	if p, ok := h.pools[function]; ok {
		return p, nil
	}
	for _, f := range h.manifest.Functions {
		if f.Name == function {
			p := newPool(h, f)
			h.pools[function] = p
			return p, nil
		}
	}
	return nil, fmt.Errorf("lambdahost: app %q has no function %q", h.manifest.App, function)
}

// Close stops every environment. In-flight invocations fail.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	pools := h.pools
	h.pools = map[string]*pool{}
	h.mu.Unlock()
	for _, p := range pools {
		p.close()
	}
	return nil
}

// pool is the set of execution environments of one function.
type pool struct {
	h       *Host
	fn      sdk.FunctionManifest
	slots   chan struct{}     // one token per allowed environment
	idle    chan *environment // warm environments
	mu      sync.Mutex
	all     map[*environment]bool
	stopped bool
}

func newPool(h *Host, fn sdk.FunctionManifest) *pool {
	return &pool{h: h, fn: fn, slots: make(chan struct{}, h.opts.MaxConcurrency), idle: make(chan *environment, h.opts.MaxConcurrency), all: map[*environment]bool{}}
}

func (p *pool) timeout() time.Duration {
	if p.fn.Timeout > 0 {
		return p.fn.Timeout
	}
	return 30 * time.Second
}

func (p *pool) invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-p.slots }
	var env *environment
	for env == nil {
		select {
		case e := <-p.idle:
			if e.alive() {
				env = e
			}
		default:
			e, err := p.start()
			if err != nil {
				release()
				return nil, err
			}
			env = e
		}
	}
	out, err, done := env.invoke(ctx, payload, p.timeout())
	go func() {
		<-done // the environment is free again (or dead)
		if env.alive() && !p.isStopped() {
			p.idle <- env
		} else {
			p.forget(env)
		}
		release()
	}()
	return out, err
}

func (p *pool) start() (*environment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil, errors.New("lambdahost: host is closed")
	}
	e, err := startEnvironment(p)
	if err != nil {
		return nil, err
	}
	p.all[e] = true
	return e, nil
}

func (p *pool) forget(e *environment) {
	e.stop()
	p.mu.Lock()
	delete(p.all, e)
	p.mu.Unlock()
}

func (p *pool) isStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

func (p *pool) close() {
	p.mu.Lock()
	p.stopped = true
	all := p.all
	p.all = map[*environment]bool{}
	p.mu.Unlock()
	for e := range all {
		e.stop()
	}
}
