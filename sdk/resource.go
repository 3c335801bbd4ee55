package sdk

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/docstore"
	"gocloud.dev/pubsub"
)

// ResourceKind names a kind of portable resource.
type ResourceKind string

// The resource kinds.
const (
	KindBucket     ResourceKind = "bucket"
	KindCollection ResourceKind = "collection"
	KindTopic      ResourceKind = "topic"
)

// EnvVar returns the environment variable through which providers bind the
// resource: FAAS_<KIND>_<NAME>, with the name upper-cased and '-' as '_'.
// For example EnvVar(KindBucket, "attachments") is FAAS_BUCKET_ATTACHMENTS.
func EnvVar(kind ResourceKind, name string) string {
	return "FAAS_" + strings.ToUpper(string(kind)) + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Binder opens resources for a provider. url is the bound URL: the
// declaration's explicit URL, else the value of the resource's EnvVar, else
// "". A Binder may ignore url and supply its own default, as the local
// runtime does. For providers.
type Binder interface {
	OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error)
	OpenCollection(ctx context.Context, spec *CollectionSpec, url string) (*docstore.Collection, error)
	OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error)
}

// URLBinder is the default Binder: it opens every resource from its URL with
// gocloud.dev's default URL muxes, so the driver packages for the URL schemes
// in use must be linked in (for example with a blank import of
// gocloud.dev/blob/s3blob).
type URLBinder struct{}

func unbound(kind ResourceKind, name string) error {
	return fmt.Errorf("sdk: %s %q is not bound: set %s to a gocloud.dev URL", kind, name, EnvVar(kind, name))
}

// OpenBucket implements Binder.
func (URLBinder) OpenBucket(ctx context.Context, name, url string) (*blob.Bucket, error) {
	if url == "" {
		return nil, unbound(KindBucket, name)
	}
	return blob.OpenBucket(ctx, url)
}

// OpenCollection implements Binder.
func (URLBinder) OpenCollection(ctx context.Context, spec *CollectionSpec, url string) (*docstore.Collection, error) {
	if url == "" {
		return nil, unbound(KindCollection, spec.Name)
	}
	return docstore.OpenCollection(ctx, url)
}

// OpenTopic implements Binder.
func (URLBinder) OpenTopic(ctx context.Context, name, url string) (*pubsub.Topic, error) {
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
	// deleted by the backend (DynamoDB TTL, Firestore TTL policy, a Mongo
	// TTL index). Expiry is lazy on every backend: queries must still
	// filter out expired documents.
	ExpiryField string
}
