package awslambda

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/faaskit/faas/internal/jsonstr"
	"github.com/faaskit/faas/sdk"
)

// The AWS drivers behind the default resource bindings are linked by
// drivers_blob.go, drivers_docstore.go and drivers_pubsub.go (see "Drivers"
// in doc.go).

// FunctionEnv is the environment variable naming the function a bootstrap
// runs. The deployer sets it on each Lambda function.
//
// One bootstrap serves the whole app: every Lambda function of the app is
// deployed from the same bootstrap.zip and differs only in FunctionEnv (and
// its trigger, timeout, memory and role). One build and one upload serve N
// functions, the zip's hash changes only when the code does, and selecting
// the function is a map lookup at init, so it costs no cold-start time.
const FunctionEnv = "FAAS_FUNCTION"

// exitNotLambda is the exit status when the bootstrap runs outside Lambda.
const exitNotLambda = 2

// Start runs the app as an AWS Lambda custom runtime (provided.al2023):
// it builds the app once with newApp, selects the function named by
// FAAS_FUNCTION (optional when the app has exactly one function), and
// serves invocations through aws-lambda-go's Runtime API client.
//
// Start never returns. Outside Lambda (AWS_LAMBDA_RUNTIME_API unset) it
// says so and exits with status 2. If the app fails to initialise —
// registration errors reported by app.Err, an unknown FAAS_FUNCTION, a
// panic in newApp — it reports the error to the Runtime API's
// /runtime/init/error, so Lambda shows it as an init error, and exits 1.
func Start(newApp func() *sdk.App) {
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		fmt.Fprint(os.Stderr, notLambdaMessage)
		os.Exit(exitNotLambda)
	}
	h, err := setup(newApp, os.LookupEnv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if rerr := ReportInitError(context.Background(), api, err); rerr != nil {
			fmt.Fprintln(os.Stderr, rerr)
		}
		os.Exit(1)
	}
	lambda.StartWithOptions(h)
}

const notLambdaMessage = `awslambda: this is an AWS Lambda bootstrap, but AWS_LAMBDA_RUNTIME_API is not set,
so it is not running inside Lambda. Deploy it with "faas deploy --provider=aws",
or run the app locally with "faas dev" (or "faas dev --emulate=aws" to run this
very bootstrap behind a local Lambda Runtime API).
`

// setup builds the app and the handler for the selected function.
func setup(newApp func() *sdk.App, lookup func(string) (string, bool), log io.Writer) (h *Handler, err error) {
	defer func() {
		if v := recover(); v != nil {
			h, err = nil, fmt.Errorf("awslambda: building the app panicked: %v", v)
		}
	}()
	app := newApp()
	if app == nil {
		return nil, fmt.Errorf("awslambda: the app constructor returned nil")
	}
	if err := app.Err(); err != nil {
		return nil, err
	}
	if err := checkDrivers(app.Manifest()); err != nil {
		return nil, err
	}
	name, _ := lookup(FunctionEnv)
	if name == "" {
		fns := app.Functions()
		if len(fns) != 1 {
			var names []string
			for _, f := range fns {
				names = append(names, f.Name())
			}
			slices.Sort(names)
			return nil, fmt.Errorf("awslambda: %s is not set and app %q has %d functions (%s); the deployer sets it to the function each Lambda runs", FunctionEnv, app.Name(), len(fns), strings.Join(names, ", "))
		}
		name = fns[0].Name()
	}
	return NewHandler(app, name, &HandlerOptions{Log: log, LogLevel: logLevel(lookup)})
}

// logLevel reads AWS_LAMBDA_LOG_LEVEL, which Lambda sets from the
// function's application log level when the log format is JSON.
func logLevel(lookup func(string) (string, bool)) slog.Leveler {
	v, _ := lookup("AWS_LAMBDA_LOG_LEVEL")
	switch strings.ToUpper(v) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// ReportInitError posts err to the Runtime API's /runtime/init/error (api
// is the value of AWS_LAMBDA_RUNTIME_API), as Lambda expects of a runtime
// that cannot start. aws-lambda-go never does this.
func ReportInitError(ctx context.Context, api string, err error) error {
	body := jsonstr.Append([]byte(`{"errorMessage":`), err.Error())
	body = append(body, `,"errorType":"faas.InitError"}`...)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if rerr != nil {
		return fmt.Errorf("awslambda: reporting init error: %w", rerr)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "faas.InitError")
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, rerr := client.Do(req)
	if rerr != nil {
		return fmt.Errorf("awslambda: reporting init error: %w", rerr)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("awslambda: reporting init error: Runtime API answered %s", resp.Status)
	}
	return nil
}
