// Package sdk is the portable core of faas: an App holds named functions
// (HTTP, Message, BlobEvent, Schedule) and named resources (buckets,
// collections, topics), describes itself as a Manifest, and runs unchanged
// under every provider shim in providers/.
//
// App code imports only this package (and its subpackages) plus the portable
// gocloud.dev types; nothing in it names a cloud.
//
// # Functions
//
// HTTP functions are plain http.Handler values. Message, BlobEvent and
// Schedule functions are typed handlers; returning a non-nil error from a
// Message handler asks the platform to deliver the message again.
//
// # Resources
//
// Resources are declared by name and opened lazily, once per process, from a
// gocloud.dev URL. The provider binds each one through an environment
// variable named after it (FAAS_BUCKET_<NAME>, FAAS_COLLECTION_<NAME>,
// FAAS_TOPIC_<NAME>); an explicit URL in the declaration options wins.
//
// # Errors
//
// Handlers report failures with Error values carrying a Code. Each provider
// maps codes to HTTP statuses and retry decisions in one table; see
// HTTPStatus and Retryable for the portable defaults.
//
// # Providers
//
// What only provider shims need (binding resources, attaching invocations,
// running functions on decoded platform events) lives in package
// sdk/provider, so this package shows app authors only what they use.
package sdk
