package devbind

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// notifyingBucket is a blob driver that delegates to a portable bucket and
// reports every completed write and delete to a Sink, the way a cloud bucket
// emits object notifications.
type notifyingBucket struct {
	b    *blob.Bucket
	name string
	sink Sink
}

var _ driver.Bucket = (*notifyingBucket)(nil)

func (n *notifyingBucket) ErrorCode(err error) gcerrors.ErrorCode { return gcerrors.Code(err) }
func (n *notifyingBucket) As(i any) bool                          { return n.b.As(i) }
func (n *notifyingBucket) ErrorAs(err error, i any) bool          { return n.b.ErrorAs(err, i) }
func (n *notifyingBucket) Close() error                           { return n.b.Close() }

func (n *notifyingBucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	a, err := n.b.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	return &driver.Attributes{
		CacheControl: a.CacheControl, ContentDisposition: a.ContentDisposition, ContentEncoding: a.ContentEncoding,
		ContentLanguage: a.ContentLanguage, ContentType: a.ContentType, Metadata: a.Metadata,
		CreateTime: a.CreateTime, ModTime: a.ModTime, Size: a.Size, MD5: a.MD5, ETag: a.ETag, AsFunc: a.As,
	}, nil
}

func (n *notifyingBucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	// The driver contract uses PageSize 0 for "default" and a nil token for
	// the first page; the portable ListPage wants explicit values.
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	token := opts.PageToken
	if len(token) == 0 {
		token = blob.FirstPageToken
	}
	objs, next, err := n.b.ListPage(ctx, token, size, &blob.ListOptions{Prefix: opts.Prefix, Delimiter: opts.Delimiter, BeforeList: opts.BeforeList})
	if errors.Is(err, io.EOF) {
		return &driver.ListPage{}, nil
	}
	if err != nil {
		return nil, err
	}
	page := &driver.ListPage{NextPageToken: next, Objects: make([]*driver.ListObject, len(objs))}
	for i, o := range objs {
		page.Objects[i] = &driver.ListObject{Key: o.Key, ModTime: o.ModTime, Size: o.Size, MD5: o.MD5, IsDir: o.IsDir, AsFunc: o.As}
	}
	return page, nil
}

func (n *notifyingBucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	r, err := n.b.NewRangeReader(ctx, key, offset, length, &blob.ReaderOptions{BeforeRead: opts.BeforeRead})
	if err != nil {
		return nil, err
	}
	return &reader{r}, nil
}

type reader struct{ r *blob.Reader }

func (r *reader) Read(p []byte) (int, error) { return r.r.Read(p) }
func (r *reader) Close() error               { return r.r.Close() }
func (r *reader) As(i any) bool              { return r.r.As(i) }
func (r *reader) Attributes() *driver.ReaderAttributes {
	return &driver.ReaderAttributes{ContentType: r.r.ContentType(), ModTime: r.r.ModTime(), Size: r.r.Size()}
}

func (n *notifyingBucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	w, err := n.b.NewWriter(ctx, key, &blob.WriterOptions{
		BufferSize: opts.BufferSize, MaxConcurrency: opts.MaxConcurrency, CacheControl: opts.CacheControl,
		ContentDisposition: opts.ContentDisposition, ContentEncoding: opts.ContentEncoding, ContentLanguage: opts.ContentLanguage,
		ContentType: contentType, ContentMD5: opts.ContentMD5, Metadata: opts.Metadata, BeforeWrite: opts.BeforeWrite,
		IfNotExist: opts.IfNotExist, DisableContentTypeDetection: true,
	})
	if err != nil {
		return nil, err
	}
	return &writer{ctx: ctx, w: w, n: n, key: key, contentType: contentType}, nil
}

// writer reports the object once its write has been committed.
type writer struct {
	ctx         context.Context
	w           *blob.Writer
	n           *notifyingBucket
	key         string
	contentType string
	size        int64
}

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.size += int64(n)
	return n, err
}

func (w *writer) Close() error {
	if err := w.w.Close(); err != nil {
		return err
	}
	return w.n.notify(w.ctx, &sdk.BlobEvent{Kind: sdk.BlobCreated, Key: w.key, Size: w.size, ContentType: w.contentType})
}

func (n *notifyingBucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	if err := n.b.Copy(ctx, dstKey, srcKey, &blob.CopyOptions{BeforeCopy: opts.BeforeCopy}); err != nil {
		return err
	}
	a, err := n.b.Attributes(ctx, dstKey)
	if err != nil {
		return err
	}
	return n.notify(ctx, &sdk.BlobEvent{Kind: sdk.BlobCreated, Key: dstKey, Size: a.Size, ContentType: a.ContentType, ETag: a.ETag})
}

func (n *notifyingBucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	if err := n.b.DeleteWithOptions(ctx, key, &blob.DeleteOptions{BeforeDelete: opts.BeforeDelete}); err != nil {
		return err
	}
	return n.notify(ctx, &sdk.BlobEvent{Kind: sdk.BlobDeleted, Key: key})
}

func (n *notifyingBucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	return n.b.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: opts.Expiry, Method: opts.Method, ContentType: opts.ContentType, EnforceAbsentContentType: opts.EnforceAbsentContentType, BeforeSign: opts.BeforeSign})
}

// notify reports an event. The write has already succeeded; a sink failure
// is returned so that the caller knows the event was not recorded.
func (n *notifyingBucket) notify(ctx context.Context, e *sdk.BlobEvent) error {
	if n.sink == nil {
		return nil
	}
	e.Bucket = n.name
	e.Time = time.Now().UTC()
	return n.sink.BlobChanged(ctx, e)
}
