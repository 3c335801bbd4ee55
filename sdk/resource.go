package sdk

import (
	"context"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"

	"github.com/faaskit/faas/sdk/internal/seam"
)

// ResourceKind names a kind of portable resource.
type ResourceKind string

// The resource kinds.
const (
	KindBucket     ResourceKind = "bucket"
	KindCollection ResourceKind = "collection"
	KindTopic      ResourceKind = "topic"
)

// binder opens resources; provider.Binder has the same method set.
type binder interface {
	OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error)
	OpenCollection(ctx context.Context, spec *CollectionSpec, url string) (*docstore.Collection, error)
	OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error)
}

// urlBinder, the default binder, opens every resource from its URL with
// gocloud.dev's default URL muxes.
type urlBinder struct{}

func unbound(kind ResourceKind, name string) error {
	return fmt.Errorf("sdk: %s %q is not bound: set %s to a gocloud.dev URL", kind, name, seam.EnvVar(string(kind), name))
}

func (urlBinder) OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error) {
	if url == "" {
		return nil, unbound(KindBucket, name)
	}
	return blob.OpenBucket(ctx, url)
}

func (urlBinder) OpenCollection(ctx context.Context, spec *CollectionSpec, url string) (*docstore.Collection, error) {
	if url == "" {
		return nil, unbound(KindCollection, spec.Name)
	}
	return docstore.OpenCollection(ctx, url)
}

func (urlBinder) OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error) {
	if url == "" {
		return nil, unbound(KindTopic, name)
	}
	return pubsub.OpenTopic(ctx, url)
}

// resource is the shared state behind the Bucket, Collection and Topic handles.
type resource struct {
	app  *App
	name string
	kind ResourceKind
	spec *CollectionSpec // collections only
	url  string          // explicit URL from the declaration

	mu     sync.Mutex
	opened io.Closer // *blob.Bucket, *docstore.Collection, or topicCloser
}

// open returns the opened value, opening it on first use. A failed open is
// not cached, so a later call retries.
func (r *resource) open(ctx context.Context) (io.Closer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opened != nil {
		return r.opened, nil
	}
	binder, url := r.app.binding(r)
	var (
		c   io.Closer
		err error
	)
	switch r.kind {
	case KindBucket:
		c, err = binder.OpenBucket(ctx, r.name, url)
	case KindCollection:
		c, err = binder.OpenCollection(ctx, r.spec, url)
	case KindTopic:
		var t *pubsub.Topic
		t, err = binder.OpenTopic(ctx, r.name, url)
		if err == nil {
			c = topicCloser{t}
		}
	}
	if err != nil {
		return nil, Wrap(CodeUnavailable, fmt.Errorf("sdk: open %s %q: %w", r.kind, r.name, err))
	}
	r.opened = c
	return c, nil
}

func (r *resource) close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	switch c := r.opened.(type) {
	case nil:
	case topicCloser:
		err = c.t.Shutdown(ctx)
	default:
		err = c.Close()
	}
	r.opened = nil
	return err
}

// topicCloser lets a topic sit beside buckets and collections; close shuts
// it down with the caller's context instead.
type topicCloser struct{ t *pubsub.Topic }

func (c topicCloser) Close() error { return nil }

// Bucket is a declared blob bucket. Open it inside handlers.
type Bucket struct{ r *resource }

// Name returns the bucket's declared name.
func (b *Bucket) Name() string { return b.r.name }

// Open returns the process-wide *blob.Bucket, opening it on first use.
func (b *Bucket) Open(ctx context.Context) (*blob.Bucket, error) {
	c, err := b.r.open(ctx)
	if err != nil {
		return nil, err
	}
	return c.(*blob.Bucket), nil
}

// Collection is a declared document collection. Open it inside handlers.
type Collection struct{ r *resource }

// Name returns the collection's declared name.
func (c *Collection) Name() string { return c.r.name }

// KeyField returns the name of the document field that holds the primary key.
func (c *Collection) KeyField() string { return c.r.spec.KeyField }

// Spec returns the collection's declared keys and indexes.
func (c *Collection) Spec() CollectionSpec { return c.r.spec.clone() }

// Open returns the process-wide *docstore.Collection, opening it on first use.
func (c *Collection) Open(ctx context.Context) (*docstore.Collection, error) {
	v, err := c.r.open(ctx)
	if err != nil {
		return nil, err
	}
	return v.(*docstore.Collection), nil
}

// Topic is a declared pub/sub topic. Open it to publish.
type Topic struct{ r *resource }

// Name returns the topic's declared name.
func (t *Topic) Name() string { return t.r.name }

// Open returns the process-wide *pubsub.Topic, opening it on first use.
func (t *Topic) Open(ctx context.Context) (*pubsub.Topic, error) {
	v, err := t.r.open(ctx)
	if err != nil {
		return nil, err
	}
	return v.(topicCloser).t, nil
}

// ResourceOptions configures a resource declaration.
type ResourceOptions struct {
	// URL, if set, is used instead of the provider's binding. Use it to point
	// a resource at a store the provider does not manage.
	URL string
}

// CollectionOptions configures a collection declaration.
type CollectionOptions struct {
	ResourceOptions
	// KeyField is the document field holding the primary key. Default "id".
	KeyField string
	// Indexes are the secondary indexes that the app's queries use: every
	// query filters with equality on an index's Partition field and may
	// filter on and order by its Sort field. Each backend gets the index it
	// needs (see CollectionSpec).
	Indexes []Index
	// ExpiryField, if set, names a time field after which a document may be
	// deleted by the backend (DynamoDB TTL, on an epoch-seconds copy that
	// the AWS shim writes beside the field; a Firestore TTL policy; a Mongo
	// TTL index). Expiry is lazy on every backend: queries must still
	// filter out expired documents.
	ExpiryField string
}
