//go:build !faas.aws.select || faas.aws.pubsub

package awslambda

// SNS and SQS topics: FAAS_TOPIC_<NAME>=awssns:///<topic ARN> or
// awssqs://… (see "Drivers" in doc.go). One gocloud.dev package registers
// both schemes; the deployed environment, not the build, picks one.
import (
	_ "gocloud.dev/pubsub/awssnssqs"

	"github.com/faaskit/faas/sdk"
)

func init() { linkedDrivers[sdk.KindTopic] = "gocloud.dev/pubsub/awssnssqs" }
