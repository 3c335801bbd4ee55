package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/faaskit/faas/deploy"
)

// Resource kinds of the deployment lock.
const (
	kindDeployBucket = "storage-deploy-bucket"
	kindLock         = "deploy-lock"
)

// lockObject is the deployment lock's object in the deploy bucket.
const lockObject = ".faas/lock"

// lockStale is the age after which a lock is taken to be left behind by a
// deploy that died: a deploy holds it for its steps only, each of which
// runs to completion (the longest are the functions' Cloud Builds, which
// run in parallel and take minutes). A lock this old is broken, and the
// deploy says so.
const lockStale = 2 * time.Hour

// deployBucket holds the deployment lock. Its name cannot be a declared
// bucket's (<prefix>-<bucket>-<suffix>): resource, app and stage names
// have no '_'.
func (n names) deployBucket() string { return n.prefix() + "_deploy-" + n.suffix() }

// planDeployBucket creates the deploy bucket if it is missing.
func planDeployBucket(ctx context.Context, e *env) ([]step, int, error) {
	name := e.deployBucket()
	ok, err := bucketExists(ctx, e, name)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		return nil, 1, nil
	}
	return []step{{deploy.Change{Action: deploy.Create, Kind: kindDeployBucket, Name: name}, func(ctx context.Context) error {
		err := e.c.gcs.Bucket(name).Create(ctx, e.project, &storage.BucketAttrs{
			Location: e.region, Labels: e.labels(), UniformBucketLevelAccess: storage.UniformBucketLevelAccess{Enabled: true},
		})
		if isStatus(err, http.StatusConflict) {
			return nil // a retried step: already ours
		}
		return err
	}}}, 0, nil
}

// lock takes the deployment lock: an object created only if absent
// (ifGenerationMatch=0), holding who took it. A lock older than lockStale
// is broken first, by a delete conditional on its generation, so that of
// two deploys breaking it at once one wins.
func (e *env) lock(ctx context.Context) error {
	err := e.createLock(ctx)
	if !isStatus(err, http.StatusPreconditionFailed) {
		return err
	}
	obj := e.c.gcs.Bucket(e.deployBucket()).Object(lockObject)
	attrs, aerr := obj.Attrs(ctx)
	if errors.Is(aerr, storage.ErrObjectNotExist) {
		return e.createLock(ctx) // released in between
	}
	holder := "unknown"
	if r, rerr := obj.Generation(attrs.Generation).NewReader(ctx); rerr == nil {
		b, _ := io.ReadAll(io.LimitReader(r, 512))
		r.Close()
		holder = string(b)
	}
	where := "gs://" + e.deployBucket() + "/" + lockObject
	if aerr != nil || e.now().Sub(attrs.Created) < lockStale {
		return fmt.Errorf("%w: the lock %s was taken by %s; wait for that deploy to finish, or delete the lock object if no deploy is running", deploy.ErrLocked, where, holder)
	}
	if err := obj.If(storage.Conditions{GenerationMatch: attrs.Generation}).Delete(ctx); err != nil {
		return fmt.Errorf("%w: the lock %s, taken by %s at %s, is stale but could not be broken: %v", deploy.ErrLocked, where, holder, attrs.Created.UTC().Format(time.RFC3339), err)
	}
	e.t.Emit(deploy.Event{Action: deploy.Delete, Kind: kindLock, Status: deploy.StatusDone,
		Name: fmt.Sprintf("%s (stale: taken by %s at %s, more than %s ago; no deploy holds a lock that long)", where, holder, attrs.Created.UTC().Format(time.RFC3339), lockStale)})
	if err := e.createLock(ctx); isStatus(err, http.StatusPreconditionFailed) {
		return fmt.Errorf("%w: another deploy took the lock %s as this one broke it", deploy.ErrLocked, where)
	} else if err != nil {
		return err
	}
	return nil
}

// createLock writes the lock object if it does not exist and records its
// generation, so that unlock deletes that lock and no other.
func (e *env) createLock(ctx context.Context) error {
	host, _ := os.Hostname()
	body := fmt.Sprintf("%s pid %d at %s", host, os.Getpid(), e.now().UTC().Format(time.RFC3339))
	w := e.c.gcs.Bucket(e.deployBucket()).Object(lockObject).If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = "text/plain"
	if _, err := io.WriteString(w, body); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	e.lockGen = w.Attrs().Generation
	return nil
}

// lockIfBucket takes the lock if the deploy bucket exists.
func (e *env) lockIfBucket(ctx context.Context) (bool, error) {
	ok, err := bucketExists(ctx, e, e.deployBucket())
	if err != nil || !ok {
		return false, err
	}
	return true, e.lock(ctx)
}

// unlock releases the lock taken by lock.
func (e *env) unlock(ctx context.Context) error {
	if e.lockGen == 0 {
		return nil
	}
	err := e.c.gcs.Bucket(e.deployBucket()).Object(lockObject).If(storage.Conditions{GenerationMatch: e.lockGen}).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("gcpdeploy: releasing the deployment lock gs://%s/%s (delete it by hand if no deploy is running): %w", e.deployBucket(), lockObject, err)
	}
	e.lockGen = 0
	return nil
}

// destroyDeployBucket deletes the deploy bucket with the lock in it.
func destroyDeployBucket(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	name := e.deployBucket()
	ok, err := bucketExists(ctx, e, name)
	if err != nil || !ok {
		return err
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
	e.lockGen = 0 // went with the bucket
	e.deleted(res, kindDeployBucket, name)
	return nil
}

// isStatus reports whether err is a Cloud Storage JSON API error with the
// HTTP status code.
func isStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}
