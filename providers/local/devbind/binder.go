package devbind

import (
	"context"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"path/filepath"

	"github.com/faaskit/faas/providers/local/sqlitedocstore"
	"github.com/faaskit/faas/sdk"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"
)

// Sink receives what the app's resources report: published messages and
// object changes.
type Sink interface {
	Publish(ctx context.Context, topic string, msgs []*sdk.Message) error
	BlobChanged(ctx context.Context, e *sdk.BlobEvent) error
}

// Binder implements provider.Binder on the dev stores under a data directory.
type Binder struct {
	dir  string
	sink Sink
}

var _ provider.Binder = (*Binder)(nil)

// New returns a Binder keeping data under dir and reporting to sink.
func New(dir string, sink Sink) *Binder { return &Binder{dir: dir, sink: sink} }

// DocstorePath is the SQLite file holding every collection under dir.
func DocstorePath(dir string) string { return filepath.Join(dir, "docstore.sqlite") }

// BlobDir is the directory holding bucket name under dir.
func BlobDir(dir, name string) string { return filepath.Join(dir, "blobs", name) }

// OpenBucket implements provider.Binder.
func (b *Binder) OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error) {
	if url != "" {
		return blob.OpenBucket(ctx, url)
	}
	fb, err := fileblob.OpenBucket(BlobDir(b.dir, name), &fileblob.Options{CreateDir: true})
	if err != nil {
		return nil, fmt.Errorf("devbind: bucket %q: %w", name, err)
	}
	return blob.NewBucket(&notifyingBucket{b: fb, name: name, sink: b.sink}), nil
}

// OpenCollection implements provider.Binder.
func (b *Binder) OpenCollection(ctx context.Context, spec *sdk.CollectionSpec, url string) (*docstore.Collection, error) {
	if url != "" {
		return docstore.OpenCollection(ctx, url)
	}
	opts := &sqlitedocstore.Options{ExpiryField: spec.ExpiryField}
	for _, ix := range spec.Indexes {
		opts.Indexes = append(opts.Indexes, sqlitedocstore.Index{Name: ix.IndexName(), Partition: ix.Partition, Sort: ix.Sort})
	}
	return sqlitedocstore.OpenCollection(ctx, DocstorePath(b.dir), spec.Name, spec.KeyField, opts)
}

// OpenTopic implements provider.Binder.
func (b *Binder) OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error) {
	if url != "" {
		return pubsub.OpenTopic(ctx, url)
	}
	return pubsub.NewTopic(&sinkTopic{name: name, sink: b.sink}, nil), nil
}
