package gcf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/faaskit/faas/sdk"
)

// Provider is the sdk.Invocation.Provider value set by this package.
const Provider = "gcp"

// Signature is the functions-framework signature a function is registered
// with, which decides how GCF must trigger it.
type Signature string

// The signatures.
const (
	// SignatureHTTP: functions.HTTP. HTTP functions (public URL) and Schedule
	// functions (private URL, invoked by a Cloud Scheduler HTTP job with an
	// OIDC token).
	SignatureHTTP Signature = "http"
	// SignatureCloudEvent: functions.CloudEvent. Message functions (Pub/Sub
	// messagePublished trigger) and BlobEvent functions (Cloud Storage
	// finalized/deleted triggers).
	SignatureCloudEvent Signature = "cloudevent"
)

// SignatureOf returns the signature the shim registers f with.
func SignatureOf(f *sdk.Function) Signature {
	switch f.Kind() {
	case sdk.KindMessage, sdk.KindBlob:
		return SignatureCloudEvent
	}
	return SignatureHTTP
}

// EntryPoint returns the GCF entry point (FUNCTION_TARGET) of the function
// named name. The framework's declarative registry is keyed by plain
// strings, and faas names (lower-case letters, digits and '-') are valid
// GCF function IDs, so the mapping is the identity; use this function
// rather than relying on that.
func EntryPoint(name string) string { return name }

// Options configures New.
type Options struct {
	// Project is the Google Cloud project used in the logs' trace field
	// (projects/<Project>/traces/<id>). Register reads GOOGLE_CLOUD_PROJECT.
	Project string
	// Log receives the structured log lines. Default os.Stdout.
	Log io.Writer
}

// Shim adapts one app's functions to functions-framework signatures.
type Shim struct {
	app     *sdk.App
	project string
	base    slog.Handler
}

// New returns a Shim for app. It fails if the app has registration errors.
func New(app *sdk.App, opts *Options) (*Shim, error) {
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("gcf: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Log == nil {
		o.Log = os.Stdout
	}
	return &Shim{app: app, project: o.Project, base: newBaseHandler(o.Log)}, nil
}

// App returns the shim's app.
func (s *Shim) App() *sdk.App { return s.app }

func (s *Shim) function(name string, want Signature) (*sdk.Function, error) {
	f, ok := s.app.Function(name)
	if !ok {
		return nil, fmt.Errorf("gcf: app %q has no function %q", s.app.Name(), name)
	}
	if got := SignatureOf(f); got != want {
		return nil, fmt.Errorf("gcf: function %q is a %s function, registered as %s, not %s", name, f.Kind(), got, want)
	}
	return f, nil
}

// HTTPFunc returns the functions.HTTP handler for the HTTP or Schedule
// function named name.
func (s *Shim) HTTPFunc(name string) (func(http.ResponseWriter, *http.Request), error) {
	f, err := s.function(name, SignatureHTTP)
	if err != nil {
		return nil, err
	}
	if f.Kind() == sdk.KindSchedule {
		return s.scheduleHandler(f), nil
	}
	return s.httpHandler(f), nil
}

// CloudEventFunc returns the functions.CloudEvent handler for the Message
// or BlobEvent function named name.
func (s *Shim) CloudEventFunc(name string) (func(context.Context, cloudevents.Event) error, error) {
	f, err := s.function(name, SignatureCloudEvent)
	if err != nil {
		return nil, err
	}
	if f.Kind() == sdk.KindMessage {
		return s.messageHandler(f), nil
	}
	return s.blobHandler(f), nil
}

// Registrar is the pair of functions-framework registration functions;
// functions.HTTP and functions.CloudEvent satisfy it. Tests pass their own.
type Registrar struct {
	HTTP       func(name string, fn func(http.ResponseWriter, *http.Request))
	CloudEvent func(name string, fn func(context.Context, cloudevents.Event) error)
}

// RegisterWith registers every function of the shim's app with r under its
// entry point.
func (s *Shim) RegisterWith(r Registrar) error {
	for _, f := range s.app.Functions() {
		switch SignatureOf(f) {
		case SignatureCloudEvent:
			fn, err := s.CloudEventFunc(f.Name())
			if err != nil {
				return err
			}
			r.CloudEvent(EntryPoint(f.Name()), fn)
		default:
			fn, err := s.HTTPFunc(f.Name())
			if err != nil {
				return err
			}
			r.HTTP(EntryPoint(f.Name()), fn)
		}
	}
	return nil
}

// Register builds the app with newApp and registers every function with
// the functions framework's default registry under its entry point. Call it
// from init in the bundle's root package; the buildpack's generated main
// then serves FUNCTION_TARGET. If the app has registration errors, Register
// logs them as one Cloud Logging ERROR entry and exits with status 1, so
// the instance fails to start and the deploy reports it.
func Register(newApp func() *sdk.App) {
	s, err := New(newApp(), &Options{Project: os.Getenv("GOOGLE_CLOUD_PROJECT")})
	if err == nil {
		err = s.RegisterWith(Registrar{HTTP: functions.HTTP, CloudEvent: functions.CloudEvent})
	}
	if err != nil {
		line, _ := json.Marshal(map[string]string{fieldSeverity: "ERROR", fieldMessage: "faas: function failed to start: " + err.Error()})
		fmt.Fprintln(os.Stderr, string(line))
		os.Exit(1)
	}
}
