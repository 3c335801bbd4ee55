package devbind

import (
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"os"

	"github.com/faaskit/faas/sdk"
)

// Environment read by Wrap. faas dev --emulate sets both for the app it
// runs under a provider host.
const (
	EnvData   = "FAAS_DEV_DATA"   // the data directory holding the dev stores
	EnvServer = "FAAS_DEV_SERVER" // the dev server's base URL, for HTTPSink
)

// Wrap returns a constructor that builds the app with newApp and binds its
// resources to the dev stores in $FAAS_DEV_DATA, reporting published
// messages and object changes to the dev server at $FAAS_DEV_SERVER. A
// resource whose FAAS_<KIND>_<NAME> variable is set is still opened from
// that URL.
//
// faas dev --emulate compiles it into the provider build (see
// appbuild.Options.Wrap), so the provider shim runs unchanged while the
// app's data lives where faas dev keeps it. If either variable is missing
// the app reports an error, which the provider turns into an init error.
func Wrap(newApp func() *sdk.App) func() *sdk.App {
	return func() *sdk.App {
		app := newApp()
		dir, server := os.Getenv(EnvData), os.Getenv(EnvServer)
		if dir == "" || server == "" {
			app.AddError(fmt.Errorf("devbind: %s and %s must be set; this build runs only under faas dev --emulate", EnvData, EnvServer))
			return app
		}
		provider.Bind(app, New(dir, &HTTPSink{BaseURL: server}), os.LookupEnv)
		return app
	}
}
