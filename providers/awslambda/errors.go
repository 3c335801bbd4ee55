package awslambda

import (
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/faaskit/faas/sdk"
)

// The AWS error mapping, in one place:
//
//   - HTTP functions: an error becomes a response with sdk.HTTPStatus(code)
//     and the JSON body of sdk.WriteError (the sdk does that); the Lambda
//     invocation itself succeeds.
//   - SQS: each failed message is listed in batchItemFailures, whatever its
//     code: SQS redelivers it after the visibility timeout and the queue's
//     redrive policy (maxReceiveCount = MaxAttempts) dead-letters it. Lambda
//     cannot drop a single message, so non-retryable codes retry too.
//   - SNS, S3, schedules: the invocation fails with the error type below;
//     Lambda's asynchronous retries (2) and the on-failure destination apply.
//   - Unknown event shapes fail with faas.invalid_input.

// errorType returns the Lambda error type reported for an error:
// "faas.<code>", e.g. "faas.unavailable".
func errorType(err error) string {
	c := sdk.CodeOf(err)
	if c == sdk.CodeUnknown {
		c = sdk.CodeInternal
	}
	return "faas." + c.String()
}

// invokeError converts an error into the Lambda error aws-lambda-go posts
// to /runtime/invocation/{id}/error.
func invokeError(err error) error {
	return messages.InvokeResponse_Error{Message: err.Error(), Type: errorType(err)}
}
