package deploy

import (
	"context"
	"io"

	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/sdk"
)

// Emulator is a Provider whose artifact runs on this machine under the
// provider's local host (faas dev --emulate=<name>): the exact artifact
// the platform runs, fed the platform's own event shapes.
type Emulator interface {
	Provider
	// BuildLocal builds what Build builds, for this machine, with req.Wrap
	// applied, into req.Out, and checks it as far as the platform would at
	// deploy time, so a failure leaves the running version in place.
	BuildLocal(ctx context.Context, req *BuildRequest) error
	// StartLocal serves the artifact in dir under the local host, with env
	// added to the app's environment and its output on out.
	StartLocal(ctx context.Context, req *StartRequest) (local.Dispatcher, error)
}

// StartRequest is what an Emulator starts.
type StartRequest struct {
	// Dir is the output directory of a BuildLocal.
	Dir      string
	Manifest *sdk.Manifest
	Env      map[string]string
	Output   io.Writer
}
