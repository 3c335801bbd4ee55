// Package awslambda runs a faas app as an AWS Lambda custom runtime
// (provided.al2023, "bootstrap"), on aws-lambda-go's Runtime API client.
//
// A deployment package built by "faas build --provider=aws" (package
// deploy/awsdeploy) calls Start with the app's constructor. One bootstrap
// serves the whole app; each Lambda function runs the app function named by
// FAAS_FUNCTION.
//
// Events are recognised from their top-level keys (one pass of
// go-json-experiment's tokenizer) and decoded with
// github.com/go-json-experiment/json, the upstream of encoding/json/v2,
// into aws-lambda-go's own event types, with its default options: member
// names match exactly, and invalid UTF-8 and duplicate names are errors
// (see decode.go for why). Fuzz tests check every decoder against
// encoding/json, aws-lambda-go's own decoding.
//
//   - API Gateway HTTP API (payload 2.0), Lambda Function URLs, API Gateway
//     REST API (v1 proxy) and ALB (single- and multi-value headers) become a
//     *http.Request (raw path, every query value, every header value, the
//     v2 cookies array, base64 bodies decoded) and the response is shaped
//     as the integration requires (Set-Cookie as the v2 cookies array or in
//     multiValueHeaders, binary bodies base64-encoded). JWT authorizer
//     claims are available through AuthorizerFrom.
//   - SQS batches run each message and answer with batchItemFailures
//     listing only the failed message IDs; SNS and S3 notifications (keys
//     URL-decoded) fail the invocation on error; EventBridge and EventBridge
//     Scheduler "Scheduled Event"s run Schedule functions.
//   - Any other shape is an error.
//
// Handlers reach the native aws-lambda-go event with As, e.g.
// m.As(&sqsMessage) with an events.SQSMessage.
//
// # Drivers
//
// The default resource bindings open AWS resources through gocloud.dev's
// URL openers: s3blob (FAAS_BUCKET_<NAME>=s3://…), docstore/awsdynamodb/v2
// (FAAS_COLLECTION_<NAME>=dynamodb://…) and pubsub/awssnssqs
// (FAAS_TOPIC_<NAME>=awssns:///… or awssqs://…). A DynamoDB collection
// that declares an expiry field is bound as dynamodb+ttl://…&ttl_field=F:
// the same parameters, opened with a client whose dynamottl middleware
// writes the epoch-seconds copy of F that the table's TTL reads. Each
// driver brings its
// service client, whose code and package initialisation cost zip size and
// cold-start time, so a bootstrap links only the drivers for the resource
// kinds its app declares. Build tags select them: a build with
// faas.aws.select links the drivers whose tags it also sets
// (faas.aws.blob, faas.aws.docstore, faas.aws.pubsub); a build without
// faas.aws.select (go test, a hand-written main) links all three, so
// leaving the tags out never drops a driver. deploy/awsdeploy derives the
// tags from the app's manifest; Start refuses to run (init error) an app
// that declares a resource whose driver the build left out.
package awslambda
