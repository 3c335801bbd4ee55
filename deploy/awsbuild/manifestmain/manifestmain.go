// Package manifestmain is the entry point of the helper program awsbuild
// compiles for the build machine to read an app's manifest: Main builds
// the app and prints app.Manifest() as JSON on stdout. Registration errors
// (app.Err) are printed on stderr, prefixed "faas-app-error: ", but do not
// stop it: some come from settings (such as FAAS_AUTH_*) that only the
// deployed environment has, so the build reports them as warnings.
package manifestmain

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/faaskit/faas/sdk"
)

// Main prints the manifest of the app newApp builds.
func Main(newApp func() *sdk.App) {
	app := newApp()
	if err := app.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "faas-app-error: %v\n", err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(app.Manifest()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
