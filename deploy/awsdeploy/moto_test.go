//go:build integration

package awsdeploy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// motoURL is the moto_server that TestMain starts for this package's
// deployer tests; every AWS client reaches it through AWS_ENDPOINT_URL.
var motoURL string

// realEnv holds the AWS variables as they were before TestMain pointed
// them at moto ("" if unset), for TestRealAccount.
var realEnv = map[string]string{}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	stop, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "awsdeploy tests:", err)
		return 1
	}
	defer stop()
	return m.Run()
}

// startMoto starts moto_server on a free loopback port in a scratch
// directory and points the SDK's default chain at it.
func startMoto() (stop func(), err error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New("moto_server is missing: install it with pip install 'moto[server]' (the deployer tests run against it)")
	}
	dir, err := os.MkdirTemp("", "faas-moto-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", "0")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	re := regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if mm := re.FindStringSubmatch(sc.Text()); mm != nil {
				select {
				case found <- mm[1]:
				default:
				}
			}
		}
	}()
	select {
	case motoURL = <-found:
	case <-time.After(30 * time.Second):
		stop()
		return nil, errors.New("moto_server printed no 'Running on' line within 30s")
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": motoURL, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "",
	} {
		realEnv[k] = os.Getenv(k)
		os.Setenv(k, v)
	}
	return stop, nil
}

// resetMoto forgets every resource moto holds.
func resetMoto(t *testing.T) {
	t.Helper()
	resp, err := http.Post(motoURL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// calls records the mutating AWS calls made through its middleware and
// can fail the k-th one.
type calls struct {
	mu     sync.Mutex
	ops    []string
	failAt int // 1-based; 0 never fails
}

// mutating reports whether an operation changes anything: every AWS
// operation but the reads (Get*, List*, Describe*, Head*).
func mutating(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head"} {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}

func (c *calls) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("faas-test-calls", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		op := awsmiddleware.GetOperationName(ctx)
		if mutating(op) {
			c.mu.Lock()
			c.ops = append(c.ops, awsmiddleware.GetServiceID(ctx)+"."+op)
			n := len(c.ops)
			fail := n == c.failAt && !isLockRelease(in.Parameters)
			c.mu.Unlock()
			if fail {
				return middleware.InitializeOutput{}, middleware.Metadata{}, &smithy.GenericAPIError{Code: "InjectedFault", Message: fmt.Sprintf("test: mutating call %d (%s) fails", n, op)}
			}
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

// isLockRelease reports whether params delete the deployment lock, which
// the fault injection spares (a lock left behind is tested on its own).
func isLockRelease(params any) bool {
	d, ok := params.(*s3.DeleteObjectInput)
	return ok && d.Key != nil && *d.Key == lockKey
}

func (c *calls) reset(failAt int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops, c.failAt = nil, failAt
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ops...)
}
