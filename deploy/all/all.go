// Package all registers every provider that faas ships with the deploy
// registry. The faas command imports it for its side effect:
//
//	import _ "github.com/faaskit/faas/deploy/all"
package all

import (
	_ "github.com/faaskit/faas/deploy/awsdeploy"   // aws
	_ "github.com/faaskit/faas/deploy/azuredeploy" // azure
	_ "github.com/faaskit/faas/deploy/gcpdeploy"   // gcp
)
