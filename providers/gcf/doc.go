// Package gcf runs a faas app on Google Cloud Run functions (Cloud Functions
// gen2) through functions-framework-go.
//
// A deployable source bundle (see deploy/gcpdeploy) contains one generated,
// non-main package that calls Register from init:
//
//	func init() { gcf.Register(app.App) }
//
// Register builds the app once and registers every function with the
// framework's declarative registry under its faas name, which is also the
// GCF entry point (FUNCTION_TARGET):
//
//   - HTTP functions and Schedule functions with functions.HTTP. Schedules are
//     fired by Cloud Scheduler HTTP-target jobs carrying an OIDC token; the
//     tick time comes from the X-CloudScheduler-ScheduleTime header.
//   - Message and BlobEvent functions with functions.CloudEvent. Pub/Sub
//     google.cloud.pubsub.topic.v1.messagePublished events become
//     *sdk.Message; Cloud Storage google.cloud.storage.object.v1.finalized
//     and .deleted events become *sdk.BlobEvent. Every invocation decodes
//     into a freshly allocated value: nothing is shared between events.
//
// A handler error makes the function answer with a 5xx status, so Pub/Sub
// (and Eventarc, with RETRY_POLICY_RETRY) deliver the event again.
//
// Logs written through sdk.Logger are Cloud Logging structured JSON lines
// with severity, message, the execution ID and the trace
// (projects/<GOOGLE_CLOUD_PROJECT>/traces/<id>) taken from the traceparent or
// X-Cloud-Trace-Context header or the event's traceparent extension.
//
// The package links the gocloud.dev GCP drivers (gs://, firestore://,
// gcppubsub://) so resources bind from FAAS_* variables.
package gcf
