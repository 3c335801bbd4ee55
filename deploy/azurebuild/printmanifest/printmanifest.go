// Package printmanifest is the entry point of a throwaway native binary
// that azurebuild compiles with internal/appbuild to read an app's
// manifest and registration errors at build time, before cross-compiling
// the real handler (which may not run on the build machine).
package printmanifest

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/faaskit/faas/sdk"
)

// Output is what Main writes to stdout as JSON.
type Output struct {
	Manifest *sdk.Manifest `json:"manifest"`
	Err      string        `json:"error,omitempty"` // app.Err(), if any
}

// Main builds the app and prints its Output.
func Main(newApp func() *sdk.App) {
	app := newApp()
	out := Output{Manifest: app.Manifest()}
	if err := app.Err(); err != nil {
		out.Err = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "printmanifest:", err)
		os.Exit(1)
	}
}
