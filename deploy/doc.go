// Package deploy is the provider seam of the faas CLI: everything that takes
// an app to a cloud.
//
// A Provider (one package per cloud: awsdeploy, gcpdeploy, azuredeploy)
// builds an app's native artifact. It may also implement Emulator, to run
// that artifact under its local host for faas dev --emulate, and Deployer,
// to plan, apply and destroy a deployment and read its outputs. Providers
// register themselves by name (Register, usually from an init function);
// the CLI iterates the registry and never switches on provider names.
//
// Adding a provider takes one shim package (providers/<p>, passing
// sdk/providertest), one local host (for Emulator), and one package here
// that implements Provider and calls Register; the CLI picks it up through
// a blank import in cmd/faas.
package deploy
