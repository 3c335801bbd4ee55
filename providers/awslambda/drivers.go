package awslambda

import (
	"fmt"

	"github.com/faaskit/faas/sdk"
)

// linkedDrivers registers, per resource kind, the gocloud.dev driver this
// bootstrap links (filled by the init functions of drivers_*.go).
var linkedDrivers = map[sdk.ResourceKind]string{}

// checkDrivers reports a resource whose kind has no linked driver: the
// app declared it at run time but not when the bootstrap was built (for
// example under a condition on the environment), so the build left its
// driver out. Failing at init says so, where opening it later would only
// report an unknown URL scheme.
func checkDrivers(m *sdk.Manifest) error {
	for _, r := range m.Resources {
		if _, ok := linkedDrivers[r.Kind]; !ok && r.URL == "" {
			return fmt.Errorf("awslambda: %s %q has no driver in this bootstrap: the app did not declare a %s when it was built; declare resources unconditionally and rebuild", r.Kind, r.Name, r.Kind)
		}
	}
	return nil
}
