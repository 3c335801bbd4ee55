package lambdahost_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/sdk"
)

var _ local.Dispatcher = (*lambdahost.Host)(nil)

// fakeRuntime is a bootstrap written against the Runtime API with curl,
// so the host's contract is tested independently of aws-lambda-go.
const fakeRuntime = `#!/bin/sh
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime
[ -n "$FAIL_INIT" ] && { curl -s -X POST -H 'Lambda-Runtime-Function-Error-Type: Test.Init' -d '{"errorMessage":"cannot start","errorType":"x"}' $api/init/error >/dev/null; exit 1; }
hdr=$(mktemp)
while true; do
  body=$(curl -s -D $hdr $api/invocation/next)
  id=$(grep -i '^lambda-runtime-aws-request-id:' $hdr | tr -d '\r' | awk '{print $2}')
  dl=$(grep -i '^lambda-runtime-deadline-ms:' $hdr | tr -d '\r' | awk '{print $2}')
  case "$body" in
  crash) exit 3 ;;
  sleep) sleep 30 ;;
  fail) curl -s -X POST -H 'Lambda-Runtime-Function-Error-Type: Test.Fail' -d '{"errorMessage":"boom","errorType":"Test.Fail"}' $api/invocation/$id/error >/dev/null ;;
  wrongid) code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x $api/invocation/nope/response)
    curl -s -X POST -d "$code" $api/invocation/$id/response >/dev/null ;;
  twice) curl -s -X POST -d one $api/invocation/$id/response >/dev/null
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d two $api/invocation/$id/response)
    echo "$code" > "$TWICE_FILE" ;;
  deadline) curl -s -X POST -d "$dl" $api/invocation/$id/response >/dev/null ;;
  *) curl -s -X POST -d "$body" $api/invocation/$id/response >/dev/null ;;
  esac
done
`

func newHost(t *testing.T, env ...string) *lambdahost.Host {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, []byte(fakeRuntime), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &sdk.Manifest{App: "test", Functions: []sdk.FunctionManifest{{Name: "fn", Kind: sdk.KindHTTP, Timeout: 2 * time.Second}}}
	// One environment, so that invocations run one after another in the
	// same runtime process and the "twice" case has written its file
	// before the next invocation returns.
	h, err := lambdahost.New(bin, m, &lambdahost.Options{Env: env, MaxConcurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestContract(t *testing.T) {
	twice := filepath.Join(t.TempDir(), "twice")
	h := newHost(t, "TWICE_FILE="+twice)
	ctx := t.Context()
	invoke := func(p string) (string, error) {
		out, err := h.Invoke(ctx, "fn", []byte(p))
		return string(out), err
	}
	if out, err := invoke("hello"); err != nil || out != "hello" {
		t.Fatalf("echo: %q, %v", out, err)
	}
	if out, err := invoke("wrongid"); err != nil || out != "400" {
		t.Errorf("a response for an unknown request ID got %q (%v); want 400", out, err)
	}
	if out, err := invoke("twice"); err != nil || out != "one" {
		t.Errorf("twice: %q, %v", out, err)
	}
	if _, err := invoke("hello"); err != nil { // the runtime has finished "twice" by now
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(twice); string(b) != "403\n" {
		t.Errorf("a second answer to one invocation got %q; want 403", b)
	}
	before := time.Now()
	out, err := invoke("deadline")
	var ms int64
	for _, c := range out {
		ms = ms*10 + int64(c-'0')
	}
	if err != nil || time.UnixMilli(ms).Before(before) {
		t.Errorf("Lambda-Runtime-Deadline-Ms = %q; want a time after the invocation started", out)
	}
	var fe *lambdahost.FunctionError
	if _, err := invoke("fail"); !errors.As(err, &fe) || fe.Type != "Test.Fail" || fe.Message != "boom" {
		t.Errorf("function error: %v", err)
	}
	if _, err := invoke("crash"); !errors.As(err, &fe) || fe.Type != "Runtime.ExitError" {
		t.Errorf("crash: %v; want Runtime.ExitError", err)
	}
	if out, err := invoke("after crash"); err != nil || out != "after crash" {
		t.Errorf("after a crash the host must start a new environment: %q, %v", out, err)
	}
	if _, err := invoke("sleep"); !errors.As(err, &fe) || fe.Type != "Sandbox.Timedout" {
		t.Errorf("sleep past the 2s timeout: %v; want Sandbox.Timedout", err)
	}
	if out, err := invoke("after timeout"); err != nil || out != "after timeout" {
		t.Errorf("after a timeout: %q, %v", out, err)
	}
}

func TestInitError(t *testing.T) {
	h := newHost(t, "FAIL_INIT=1")
	_, err := h.Invoke(t.Context(), "fn", []byte("x"))
	var fe *lambdahost.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Test.Init" || fe.Message != "cannot start" {
		t.Errorf("init error: %v; want the error the runtime posted to /runtime/init/error", err)
	}
}
