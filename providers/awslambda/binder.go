package awslambda

import (
	"context"
	"fmt"
	"net/url"

	"gocloud.dev/blob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"

	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/provider"
)

// expiringOpeners registers, per docstore URL scheme, how to open a
// collection that declares an expiry field (filled by the init functions
// of drivers_*.go).
var expiringOpeners = map[string]func(ctx context.Context, u *url.URL, expiryField string) (*docstore.Collection, error){}

// binder opens the app's resources from their URLs with gocloud.dev's
// default URL muxes, except a collection that declares an expiry field on
// a backend registered in expiringOpeners (DynamoDB: its client keeps the
// Number attribute that the table's TTL reads, package dynamottl).
type binder struct{}

var _ provider.Binder = binder{}

func unbound(kind sdk.ResourceKind, name string) error {
	return fmt.Errorf("awslambda: %s %q is not bound: set %s to a gocloud.dev URL", kind, name, provider.EnvVar(kind, name))
}

func (binder) OpenBucket(ctx context.Context, name, u string) (*blob.Bucket, error) {
	if u == "" {
		return nil, unbound(sdk.KindBucket, name)
	}
	return blob.OpenBucket(ctx, u)
}

func (binder) OpenTopic(ctx context.Context, name, u string) (*pubsub.Topic, error) {
	if u == "" {
		return nil, unbound(sdk.KindTopic, name)
	}
	return pubsub.OpenTopic(ctx, u)
}

func (binder) OpenCollection(ctx context.Context, spec *sdk.CollectionSpec, u string) (*docstore.Collection, error) {
	if u == "" {
		return nil, unbound(sdk.KindCollection, spec.Name)
	}
	if spec.ExpiryField != "" {
		if pu, err := url.Parse(u); err == nil {
			if open, ok := expiringOpeners[pu.Scheme]; ok {
				return open(ctx, pu, spec.ExpiryField)
			}
		}
	}
	return docstore.OpenCollection(ctx, u)
}
