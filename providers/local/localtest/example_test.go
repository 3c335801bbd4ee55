package localtest_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/local/localtest"
	"github.com/faaskit/faas/sdk"
)

// helloApp is a one-function app, as a user's App function would build it.
func helloApp() *sdk.App {
	a := sdk.New("hello", nil)
	a.HTTP("api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := sdk.UserID(r.Context())
		fmt.Fprintf(w, "hello, %s", u)
	}), nil)
	return a
}

// In a test, pass the test's *testing.T: Start runs the app on a loopback
// server with durable stores in a temp dir, and stops it when the test ends.
func ExampleStart() {
	t := &exampleT{}
	defer t.cleanup()

	env := localtest.Start(t, helloApp, nil)
	resp, err := env.Client().Get(env.URL + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	env.WaitIdle(5 * time.Second)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 hello,
}

// exampleT stands in for the *testing.T a real test passes, so that the
// example can run: it provides what Start uses.
type exampleT struct {
	testing.TB
	cleanups []func()
	dirs     []string
}

func (t *exampleT) Helper() {}

func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *exampleT) Setenv(k, v string) {
	old, had := os.LookupEnv(k)
	os.Setenv(k, v)
	t.Cleanup(func() {
		if had {
			os.Setenv(k, old)
		} else {
			os.Unsetenv(k)
		}
	})
}

func (t *exampleT) TempDir() string {
	d, err := os.MkdirTemp("", "localtest-example-")
	if err != nil {
		panic(err)
	}
	t.dirs = append(t.dirs, d)
	return d
}

func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		os.RemoveAll(d)
	}
}
