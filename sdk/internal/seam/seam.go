// Package seam joins package sdk to its provider-facing package,
// sdk/provider, so that the operations only provider shims need are not part
// of the API an app author sees.
//
// Package sdk sets the hooks once, from its init function, before any other
// package can run; sdk/provider calls them. They are typed with any because
// this package cannot import sdk (sdk imports it); sdk/provider's exported
// functions give them their real types, and each hook asserts them back.
// Nothing else may assign them: they are write-once, like a registry.
package seam

import (
	"context"
	"net/http"
	"strings"
)

// Hooks set by package sdk's init function.
var (
	// Bind sets an *sdk.App's binder (a provider.Binder, or nil) and lookup.
	Bind func(app, binder any, lookup func(string) (string, bool))
	// HTTPHandler returns an HTTP *sdk.Function's handler with panic recovery.
	HTTPHandler func(f any) http.Handler
	// HandleMessage runs a Message *sdk.Function on an *sdk.Message.
	HandleMessage func(ctx context.Context, f, m any) error
	// HandleBlob runs a BlobEvent *sdk.Function on an *sdk.BlobEvent.
	HandleBlob func(ctx context.Context, f, e any) error
	// HandleSchedule runs a Schedule *sdk.Function on an *sdk.ScheduleEvent.
	HandleSchedule func(ctx context.Context, f, e any) error
	// SetNative records the platform's event on an *sdk.Message,
	// *sdk.BlobEvent or *sdk.ScheduleEvent.
	SetNative func(e, v any)
)

// InvocationKey is the context key under which an *sdk.Invocation travels.
type InvocationKey struct{}

// EnvVar returns the binding variable of a resource: FAAS_<KIND>_<NAME>,
// upper-cased, with '-' as '_'.
func EnvVar(kind, name string) string {
	return "FAAS_" + strings.ToUpper(kind) + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
