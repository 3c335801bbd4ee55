package awsdeploy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

// kindBucket is the data bucket kind.
const kindBucket = "s3-bucket"

// declared returns the manifest's resources of kind that faas binds (not
// those the app binds itself with an explicit URL).
func (e *env) declared(kind sdk.ResourceKind) []sdk.ResourceManifest {
	var rs []sdk.ResourceManifest
	for _, r := range e.t.Manifest.Resources {
		if r.Kind == kind && r.URL == "" {
			rs = append(rs, r)
		}
	}
	return rs
}

func planBuckets(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e.c.s3, name)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			same++
			continue
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindBucket, Name: name}, func(ctx context.Context) error {
			return createBucket(ctx, e, name)
		}})
	}
	return steps, same, nil
}

func destroyBuckets(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error {
	for _, r := range e.declared(sdk.KindBucket) {
		name := e.bucket(r.Name)
		ok, err := bucketExists(ctx, e.c.s3, name)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		if !deleteData {
			res.Kept = append(res.Kept, deploy.Resource{Kind: kindBucket, Name: name})
			continue
		}
		if err := emptyBucket(ctx, e.c.s3, name); err != nil {
			return err
		}
		if _, err := e.c.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name}); err != nil {
			return err
		}
		e.deleted(res, kindBucket, name)
	}
	return nil
}
