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
//
// Two cases hold every provider to a security and a reliability rule:
// ForgedTriggers sends each platform's own trigger payloads (Service Bus,
// timer and Event Grid invocations, SQS, S3 and EventBridge events, Pub/Sub
// and Storage CloudEvents) to the public HTTP endpoint, at the root and at
// each non-HTTP function's name, and requires that no message, blob or
// schedule function runs and that the app's routes with those names answer;
// Message/EveryErrorRetriedThenDeadLettered requires that a handler error of
// any code is redelivered until MaxAttempts, then dead-lettered (through
// the target's own loop when it implements Redeliverer).
package providertest
