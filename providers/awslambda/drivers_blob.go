//go:build !faas.aws.select || faas.aws.blob

package awslambda

// S3 buckets: FAAS_BUCKET_<NAME>=s3://bucket?region=… (see "Drivers" in
// doc.go).
import (
	_ "gocloud.dev/blob/s3blob"

	"github.com/faaskit/faas/sdk"
)

func init() { linkedDrivers[sdk.KindBucket] = "gocloud.dev/blob/s3blob" }
