package awsdeploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/faaskit/faas/deploy"
)

// Resource kinds of the artifact driver.
const (
	kindArtifactBucket = "s3-artifact-bucket"
	kindArtifact       = "s3-artifact"
)

// lockKey is the deployment lock's object in the artifact bucket.
const lockKey = ".faas/lock"

// planArtifact: the artifact bucket, and the zip under its SHA-256 key
// (uploaded only if absent).
func planArtifact(ctx context.Context, e *env) ([]step, int, error) {
	var steps []step
	same := 0
	bucket := e.artifactBucket()
	exists, err := bucketExists(ctx, e.c.s3, bucket)
	if err != nil {
		return nil, 0, err
	}
	if exists {
		same++
	} else {
		steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindArtifactBucket, Name: bucket}, func(ctx context.Context) error {
			return createBucket(ctx, e, bucket)
		}})
	}
	if exists {
		_, err := e.c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &e.zipKey})
		switch {
		case err == nil:
			return steps, same + 1, nil
		case !isNotFound(err):
			return nil, 0, fmt.Errorf("reading s3://%s/%s: %w", bucket, e.zipKey, err)
		}
	}
	steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindArtifact, Name: "s3://" + bucket + "/" + e.zipKey}, func(ctx context.Context) error {
		f, err := os.Open(e.zipPath)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = e.c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &e.zipKey, Body: f, ContentType: aws.String("application/zip")})
		return err
	}})
	return steps, same, nil
}

// bucketExists reports whether bucket exists (HeadBucket).
func bucketExists(ctx context.Context, c *s3.Client, bucket string) (bool, error) {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("reading bucket %s: %w", bucket, err)
}

// createBucket creates a private bucket with the ownership tags; an
// existing bucket of ours is not an error (a retried step).
func createBucket(ctx context.Context, e *env, bucket string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if e.region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(e.region)}
	}
	if _, err := e.c.s3.CreateBucket(ctx, in); err != nil && !errorCode(err, "BucketAlreadyOwnedByYou") {
		return err
	}
	var tags []s3types.Tag
	for k, v := range e.tags() {
		tags = append(tags, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := e.c.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &bucket, Tagging: &s3types.Tagging{TagSet: tags}})
	return err
}

// emptyBucket deletes every object (and version) of bucket.
func emptyBucket(ctx context.Context, c *s3.Client, bucket string) error {
	in := &s3.ListObjectsV2Input{Bucket: &bucket}
	for more := true; more; more = in.ContinuationToken != nil {
		page, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return err
		}
		in.ContinuationToken = page.NextContinuationToken
		if len(page.Contents) == 0 {
			continue
		}
		var ids []s3types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return err
		}
	}
	return nil
}

// lock takes the deployment lock: an object created only if absent
// (If-None-Match: *), holding who took it and when.
func (e *env) lock(ctx context.Context) error {
	host, _ := os.Hostname()
	body := fmt.Sprintf("%s pid %d at %s", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	bucket := e.artifactBucket()
	_, err := e.c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(lockKey), IfNoneMatch: aws.String("*"), Body: stringsReader(body)})
	if err == nil {
		e.lockID = body
		return nil
	}
	if errorCode(err, "PreconditionFailed") || errorCode(err, "ConditionalRequestConflict") {
		holder := "unknown"
		if out, gerr := e.c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(lockKey)}); gerr == nil {
			b, _ := io.ReadAll(io.LimitReader(out.Body, 512))
			out.Body.Close()
			holder = string(b)
		}
		return fmt.Errorf("%w: the lock s3://%s/%s was taken by %s; wait for that deploy to finish, or delete the lock object if no deploy is running", deploy.ErrLocked, bucket, lockKey, holder)
	}
	return fmt.Errorf("taking the deployment lock: %w", err)
}

// lockIfBucket takes the lock if the artifact bucket exists.
func (e *env) lockIfBucket(ctx context.Context) (bool, error) {
	ok, err := bucketExists(ctx, e.c.s3, e.artifactBucket())
	if err != nil || !ok {
		return false, err
	}
	return true, e.lock(ctx)
}

// unlock releases the lock taken by lock.
func (e *env) unlock(ctx context.Context) error {
	if e.lockID == "" {
		return nil
	}
	_, err := e.c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(e.artifactBucket()), Key: aws.String(lockKey)})
	if err != nil {
		return fmt.Errorf("releasing the deployment lock s3://%s/%s (delete it by hand): %w", e.artifactBucket(), lockKey, err)
	}
	e.lockID = ""
	return nil
}

func destroyArtifact(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	bucket := e.artifactBucket()
	ok, err := bucketExists(ctx, e.c.s3, bucket)
	if err != nil || !ok {
		return err
	}
	if err := emptyBucket(ctx, e.c.s3, bucket); err != nil {
		return err
	}
	if _, err := e.c.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return err
	}
	e.lockID = "" // went with the bucket
	e.deleted(res, kindArtifactBucket, bucket)
	return nil
}

// isNotFound reports whether err is a "does not exist" answer of any service.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "NotFound", "NoSuchKey", "NoSuchBucket", "NoSuchEntity", "ResourceNotFoundException",
		"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NotFoundException", "NoSuchBucketPolicy":
		return true
	}
	return false
}

// errorCode reports whether err is an API error with code.
func errorCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
