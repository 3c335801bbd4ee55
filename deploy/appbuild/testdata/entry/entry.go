// Package entry is a stand-in provider entry point for TestBuildWrap.
package entry

import (
	"fmt"

	"github.com/faaskit/faas/sdk"
)

// Run builds the app and prints its name, as a provider would start it.
func Run(newApp func() *sdk.App) { fmt.Println("app", newApp().Name()) }
