package lambdahost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

const apiPrefix = "/2018-06-01/runtime/"

// environment is one execution environment: a bootstrap process and the
// Runtime API server it polls.
type environment struct {
	p    *pool
	ln   net.Listener
	srv  *http.Server
	cmd  *exec.Cmd
	next chan *invocation // hands an invocation to a waiting /next
	// exited is closed when the process has exited; exitErr is then set.
	exited  chan struct{}
	exitErr error

	mu          sync.Mutex
	cur         *invocation // the invocation in flight
	initialized bool        // the runtime has called /next
	initErr     *FunctionError
	stopping    bool
}

// invocation is one event in flight in an environment.
type invocation struct {
	id       string
	payload  []byte
	timeout  time.Duration
	deadline time.Time     // set by /next when the runtime takes the event
	started  chan struct{} // closed once deadline is set
	trace    string
	result   chan invokeResult // buffered 1; written once
	once     sync.Once
}

type invokeResult struct {
	out []byte
	err error
}

func (inv *invocation) finish(out []byte, err error) bool {
	first := false
	inv.once.Do(func() {
		first = true
		inv.result <- invokeResult{out, err}
	})
	return first
}

func startEnvironment(p *pool) (*environment, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdahost: %w", err)
	}
	e := &environment{p: p, ln: ln, next: make(chan *invocation), exited: make(chan struct{})}
	e.srv = &http.Server{Handler: http.HandlerFunc(e.serve), ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)

	h := p.h
	name := h.manifest.App + "-" + p.fn.Name
	mem := p.fn.MemoryMB
	if mem <= 0 {
		mem = 256
	}
	cmd := exec.Command(h.bootstrap)
	cmd.Dir = filepath.Dir(h.bootstrap)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(mem),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=local/" + newID()[:8],
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + h.opts.Region,
		"AWS_DEFAULT_REGION=" + h.opts.Region,
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"LAMBDA_TASK_ROOT=" + cmd.Dir,
		"LAMBDA_RUNTIME_DIR=" + cmd.Dir,
		"_HANDLER=bootstrap",
		"FAAS_FUNCTION=" + p.fn.Name,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
	}, h.opts.Env...)
	cmd.Stdout, cmd.Stderr = h.opts.Stderr, h.opts.Stderr
	isolate(cmd)
	if err := cmd.Start(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("lambdahost: starting %s: %w", h.bootstrap, err)
	}
	e.cmd = cmd
	go func() {
		e.exitErr = cmd.Wait()
		close(e.exited)
		e.srv.Close()
		e.mu.Lock()
		cur, initErr := e.cur, e.initErr
		e.mu.Unlock()
		if cur != nil {
			cur.finish(nil, e.exitError(initErr))
		}
	}()
	return e, nil
}

// exitError describes the process exit as Lambda would.
func (e *environment) exitError(initErr *FunctionError) error {
	if initErr != nil {
		return initErr
	}
	return &FunctionError{Type: "Runtime.ExitError", Message: fmt.Sprintf("RequestId: the runtime exited: %v", e.exitErr)}
}

func (e *environment) alive() bool {
	select {
	case <-e.exited:
		return false
	default:
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.stopping
}

func (e *environment) stop() {
	e.mu.Lock()
	e.stopping = true
	e.mu.Unlock()
	if e.cmd != nil {
		kill(e.cmd)
	}
	e.srv.Close()
}

// invoke hands payload to the runtime and waits for its answer. done is
// closed when the environment can take the next invocation (or is dead).
func (e *environment) invoke(ctx context.Context, payload []byte, timeout time.Duration) ([]byte, error, <-chan struct{}) {
	done := make(chan struct{})
	inv := &invocation{id: newID(), payload: payload, timeout: timeout, started: make(chan struct{}), trace: newTrace(), result: make(chan invokeResult, 1)}
	e.mu.Lock()
	warm := e.initialized
	e.mu.Unlock()
	handoff := timeout
	if !warm {
		handoff = InitTimeout
	}
	waitNext := time.NewTimer(handoff)
	defer waitNext.Stop()
	select {
	case e.next <- inv:
		<-inv.started
	case <-e.exited:
		e.mu.Lock()
		initErr := e.initErr
		e.mu.Unlock()
		close(done)
		return nil, e.exitError(initErr), done
	case <-waitNext.C:
		e.stop()
		close(done)
		return nil, &FunctionError{Type: "Runtime.InitTimeout", Message: "the runtime did not ask for an invocation in time"}, done
	case <-ctx.Done():
		close(done)
		return nil, ctx.Err(), done
	}
	wait := func() invokeResult {
		t := time.NewTimer(time.Until(inv.deadline))
		defer t.Stop()
		select {
		case r := <-inv.result:
			return r
		case <-t.C:
			// Settle the invocation first: stopping the runtime makes its
			// exit watcher finish it too, as Runtime.ExitError.
			inv.finish(nil, &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())})
			e.stop() // Lambda resets the environment after a timeout
			return <-inv.result
		}
	}
	resCh := make(chan invokeResult, 1)
	go func() {
		r := wait()
		resCh <- r
		close(done)
	}()
	select {
	case r := <-resCh:
		return r.out, r.err, done
	case <-ctx.Done():
		return nil, ctx.Err(), done
	}
}

// serve is the Runtime API.
func (e *environment) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		apiError(w, http.StatusNotFound, "InvalidURL", "unknown Runtime API path "+r.URL.Path)
		return
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		e.serveNext(w, r)
	case path == "init/error" && r.Method == http.MethodPost:
		e.serveInitError(w, r)
	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, "invocation/")
		id, verb, _ := strings.Cut(rest, "/")
		switch verb {
		case "response":
			e.serveAnswer(w, r, id, false)
		case "error":
			e.serveAnswer(w, r, id, true)
		default:
			apiError(w, http.StatusNotFound, "InvalidURL", "unknown Runtime API path "+r.URL.Path)
		}
	default:
		apiError(w, http.StatusMethodNotAllowed, "InvalidURL", r.Method+" "+r.URL.Path+" is not part of the Runtime API")
	}
}

func (e *environment) serveNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.initialized = true
	prev := e.cur
	e.cur = nil
	e.mu.Unlock()
	if prev != nil {
		prev.finish(nil, &FunctionError{Type: "Runtime.NoResponse", Message: "the runtime asked for the next invocation without answering " + prev.id})
	}
	var inv *invocation
	select {
	case inv = <-e.next:
	case <-r.Context().Done():
		return
	}
	inv.deadline = time.Now().Add(inv.timeout)
	e.mu.Lock()
	e.cur = inv
	e.mu.Unlock()
	close(inv.started)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s-%s", e.p.h.opts.Region, AccountID, e.p.h.manifest.App, e.p.fn.Name))
	h.Set("Lambda-Runtime-Trace-Id", inv.trace)
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

func (e *environment) serveAnswer(w http.ResponseWriter, r *http.Request, id string, isErr bool) {
	e.mu.Lock()
	cur := e.cur
	e.mu.Unlock()
	if cur == nil || cur.id != id {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" in flight")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	if !isErr && len(body) > MaxPayload {
		cur.finish(nil, &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: fmt.Sprintf("response payload exceeds %d bytes", MaxPayload)})
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload too large")
		return
	}
	var result error
	if isErr {
		result = decodeFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	}
	var out []byte
	if !isErr {
		out = body
	}
	if !cur.finish(out, result) {
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "invocation "+id+" was already answered")
		return
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func (e *environment) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.initialized {
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init error reported after the runtime asked for an invocation")
		return
	}
	e.initErr = decodeFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	if e.initErr.Type == "" {
		e.initErr.Type = "Runtime.InitError"
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func decodeFunctionError(body []byte, headerType string) *FunctionError {
	var doc struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	fe := &FunctionError{Body: body, Type: headerType}
	if err := json.Unmarshal(body, &doc); err == nil {
		fe.Message = doc.Message
		if fe.Type == "" {
			fe.Type = doc.Type
		}
	} else {
		fe.Message = string(body)
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	w.Write(b)
}

// AccountID is the account reported in the ARNs of local events.
const AccountID = "123456789012"

// newID returns a random request ID in UUID form.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newTrace returns an X-Ray trace header value.
func newTrace() string {
	var b [20]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), h[:24], h[24:40])
}
