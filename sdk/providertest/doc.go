// Package providertest is the provider conformance suite: the same cases run
// against every provider shim (and the local runtime) through a small
// Harness, so that "same behaviour everywhere" is a tested fact.
//
// A provider test builds the conformance app (package capp) the way the
// provider ships it, starts it under a local stand-in of the platform, and
// calls Run:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, myHarness{})
//	}
//
// The suite binds the app's "records" bucket (and any other resource) to
// directories it owns and passes the bindings as environment variables to
// Harness.Start; handlers write what they saw there and the suite reads it
// back, so a harness may run the app in-process or as a separate binary.
package providertest
