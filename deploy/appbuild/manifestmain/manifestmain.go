// Package manifestmain is the entry point of the helper program that
// appbuild.ReadManifest compiles for the build machine: Main builds the app
// and prints its Output as JSON on stdout.
package manifestmain

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/faaskit/faas/sdk"
)

// Output is what Main prints.
type Output struct {
	Manifest *sdk.Manifest `json:"manifest"`
	Err      string        `json:"error,omitempty"` // app.Err(), if any
}

// Main prints the manifest and registration errors of the app newApp builds.
func Main(newApp func() *sdk.App) {
	app := newApp()
	out := Output{Manifest: app.Manifest()}
	if err := app.Err(); err != nil {
		out.Err = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "manifestmain:", err)
		os.Exit(1)
	}
}
