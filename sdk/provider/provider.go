// Package provider is the seam between a portable sdk.App and the shim that
// runs it on one platform (providers/awslambda, providers/gcf,
// providers/azurefunc, providers/local, or a new one).
//
// App code never imports it. A shim uses it to bind the app's resources
// (Bind, EnvVar), to attach each invocation to its context (NewContext), and
// to run functions on decoded platform events (Handler, HandleMessage,
// HandleBlob, HandleSchedule, SetNative). sdk/providertest checks that a
// shim does all of this the same way as the others.
package provider

import (
	"context"
	"net/http"

	"gocloud.dev/blob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/internal/seam"
)

// Binder opens an app's resources. url is the bound URL: the declaration's
// explicit URL, else the value of the resource's EnvVar, else "". A Binder
// may ignore url and supply its own default, as the local runtime does.
type Binder interface {
	OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error)
	OpenCollection(ctx context.Context, spec *sdk.CollectionSpec, url string) (*docstore.Collection, error)
	OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error)
}

// Bind sets how app opens its resources: b opens them (nil opens every
// resource from its URL with gocloud.dev's default URL muxes, so the driver
// packages for the schemes in use must be linked in) and lookup reads the
// binding variables (nil means os.LookupEnv). Call it before the first Open.
func Bind(app *sdk.App, b Binder, lookup func(string) (string, bool)) {
	seam.Bind(app, b, lookup)
}

// EnvVar returns the environment variable through which a provider binds a
// resource: FAAS_<KIND>_<NAME>, with the name upper-cased and '-' as '_'.
// For example EnvVar(sdk.KindBucket, "attachments") is
// FAAS_BUCKET_ATTACHMENTS.
func EnvVar(kind sdk.ResourceKind, name string) string {
	return seam.EnvVar(string(kind), name)
}

// NewContext returns ctx carrying inv, which handlers read with
// sdk.InvocationFrom and sdk.Logger. Create one Invocation per platform event.
func NewContext(ctx context.Context, inv *sdk.Invocation) context.Context {
	return context.WithValue(ctx, seam.InvocationKey{}, inv)
}

// Handler returns the http.Handler that runs the HTTP function f. A panic in
// the app's handler is recovered, logged with its stack, and answered with a
// 500 JSON error if nothing was written yet; the process keeps serving.
// Attach the Invocation to the request context first. For a function of
// another kind the handler answers 404 with a JSON error.
func Handler(f *sdk.Function) http.Handler { return seam.HTTPHandler(f) }

// HandleMessage runs the Message function f on m. A panic becomes an
// *sdk.Error with CodeInternal wrapping an *sdk.PanicError. A non-nil error
// asks the platform to deliver m again.
func HandleMessage(ctx context.Context, f *sdk.Function, m *sdk.Message) error {
	return seam.HandleMessage(ctx, f, m)
}

// HandleBlob runs the BlobEvent function f on e. Events f did not subscribe
// to (kind or key prefix) are skipped with a nil error.
func HandleBlob(ctx context.Context, f *sdk.Function, e *sdk.BlobEvent) error {
	return seam.HandleBlob(ctx, f, e)
}

// HandleSchedule runs the Schedule function f on e.
func HandleSchedule(ctx context.Context, f *sdk.Function, e *sdk.ScheduleEvent) error {
	return seam.HandleSchedule(ctx, f, e)
}

// Event is an event a shim hands to a function.
type Event interface {
	*sdk.Message | *sdk.BlobEvent | *sdk.ScheduleEvent
}

// SetNative records the platform's own event v on e, so that the handler's
// e.As can return it.
func SetNative[E Event](e E, v any) { seam.SetNative(e, v) }
