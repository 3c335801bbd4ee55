//go:build !faas.aws.select || faas.aws.docstore

package awslambda

// DynamoDB collections: FAAS_COLLECTION_<NAME>=dynamodb://table?partition_key=id,
// or dynamodb+ttl://…&ttl_field=F for one whose expiry field F the table's
// TTL should see (see "Drivers" in doc.go).
import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/docstore"
	awsdynamodb "gocloud.dev/docstore/awsdynamodb/v2"

	"github.com/faaskit/faas/providers/awslambda/dynamottl"
	"github.com/faaskit/faas/sdk"
)

func init() {
	linkedDrivers[sdk.KindCollection] = "gocloud.dev/docstore/awsdynamodb/v2"
	docstore.DefaultURLMux().RegisterCollection(dynamottl.Scheme, ttlOpener{})
}

// ttlOpener opens dynamottl.Scheme URLs.
type ttlOpener struct{}

// OpenCollectionURL implements docstore.CollectionURLOpener. It reads the
// parameters of gocloud.dev's dynamodb:// URLs, as that opener does, plus
// ttl_field, the expiry field, and gives the client the dynamottl
// middleware, so that the table's TTL, set on dynamottl.Attribute, sees
// the expiry.
func (ttlOpener) OpenCollectionURL(ctx context.Context, u *url.URL) (*docstore.Collection, error) {
	q := u.Query()
	table, pk, sk, field := u.Host, q.Get("partition_key"), q.Get("sort_key"), q.Get("ttl_field")
	opts := &awsdynamodb.Options{
		AllowScans:     q.Get("allow_scans") == "true",
		RevisionField:  q.Get("revision_field"),
		ConsistentRead: q.Get("consistent_read") == "true",
	}
	for _, k := range []string{"partition_key", "sort_key", "ttl_field", "allow_scans", "revision_field", "consistent_read"} {
		q.Del(k)
	}
	switch {
	case field == "":
		return nil, fmt.Errorf("awslambda: open collection %s: ttl_field (the expiry field) is required", u)
	case pk == "":
		return nil, fmt.Errorf("awslambda: open collection %s: partition_key is required", u)
	case table == "":
		return nil, fmt.Errorf("awslambda: open collection %s: the URL's host must be the table name", u)
	case u.Path != "":
		return nil, fmt.Errorf("awslambda: open collection %s: the URL must have no path, only the table as its host", u)
	}
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("awslambda: open collection %s: %w", u, err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, dynamottl.Middleware(table, field))
	})
	return awsdynamodb.OpenCollection(db, table, pk, sk, opts)
}
