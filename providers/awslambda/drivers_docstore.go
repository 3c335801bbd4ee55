//go:build !faas.aws.select || faas.aws.docstore

package awslambda

// DynamoDB collections: FAAS_COLLECTION_<NAME>=dynamodb://table?partition_key=id
// (see "Drivers" in doc.go).
import (
	_ "gocloud.dev/docstore/awsdynamodb/v2"

	"github.com/faaskit/faas/sdk"
)

func init() { linkedDrivers[sdk.KindCollection] = "gocloud.dev/docstore/awsdynamodb/v2" }
