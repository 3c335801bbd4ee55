package gcpdeploy

import (
	"context"
	"errors"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindBucket is the Cloud Storage bucket kind.
const kindBucket = "storage-bucket"

func bucketExists(ctx context.Context, e *env, name string) (bool, error) {
	_, err := e.c.gcs.Bucket(name).Attrs(ctx)
	if errors.Is(err, storage.ErrBucketNotExist) {
		return false, nil
	}
	return err == nil, err
}

func planBuckets(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e, name)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindBucket, Name: name}, func(ctx context.Context) error {
			return e.c.gcs.Bucket(name).Create(ctx, e.project, &storage.BucketAttrs{
				Location: e.region, Labels: e.labels(), UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
			})
		}})
	}
	return steps, same, nil
}

// destroyBuckets keeps the buckets unless deleteData; then it empties and
// deletes them.
func destroyBuckets(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e, name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if !deleteData {
			res.Kept = append(res.Kept, deploy.Resource{Kind: kindBucket, Name: name})
			continue
		}
		b := e.c.gcs.Bucket(name)
		it := b.Objects(ctx, nil)
		for {
			o, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return err
			}
			if err := b.Object(o.Name).Delete(ctx); err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
				return err
			}
		}
		if err := b.Delete(ctx); err != nil {
			return err
		}
		e.deleted(res, kindBucket, name)
	}
	return nil
}
