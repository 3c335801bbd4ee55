//go:build faas.localdrivers

package awslambda

// Built with -tags faas.localdrivers (awsdeploy.Options.Tags), the bootstrap
// also opens file://, mem:// buckets and mem:// topics. The conformance
// suite binds its record buckets to directories this way; deployed
// bootstraps are built without the tag.
import (
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/docstore/memdocstore"
	_ "gocloud.dev/pubsub/mempubsub"
)
