// Package wrapper is a constructor wrapper for TestBuildWrap.
package wrapper

import (
	"fmt"

	"github.com/faaskit/faas/sdk"
)

// Announce returns newApp, printing "wrapped" before it builds the app.
func Announce(newApp func() *sdk.App) func() *sdk.App {
	return func() *sdk.App {
		fmt.Println("wrapped")
		return newApp()
	}
}
