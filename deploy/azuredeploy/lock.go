package azuredeploy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"

	"github.com/faaskit/faas/deploy"
)

// The deployment lock is a lease on a blob container of the data group's
// storage account, taken through Resource Manager (Blob Containers -
// Lease), so it needs no more than the rights the rest of the deploy uses
// (no data-plane role; the account refuses shared keys anyway). The lease
// lasts lockLease and the holder renews it while it works: a deploy that
// dies leaves a lease that expires by itself within lockLease, and the
// next deploy takes it then. The container's metadata names the holder.
const (
	lockContainer = "faas-deploy-lock"
	lockLease     = 60 // seconds, the longest finite lease Azure grants
	// DefaultLockRenew is how often a held lock's lease is renewed.
	DefaultLockRenew = 20 * time.Second
	metaHolder       = "holder"
)

// lock is a held deployment lock.
type lock struct {
	c        *clients
	group    string
	account  string
	id       string // the lease ID
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	lost     error // why a renewal failed, if one did
	released bool
}

// errNoLockContainer means the storage account or its lock container does
// not exist yet (a first deploy, before the data template).
var errNoLockContainer = errors.New("the deploy lock's container does not exist yet")

// holderName says who takes the lock: host, process and time.
func holderName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s pid %d at %s", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
}

// newLeaseID is a random GUID, the lease ID the lock proposes.
func newLeaseID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// acquireLock takes the lease on the lock container of account in group
// and records holder in the container's metadata. A lease another deploy
// holds is deploy.ErrLocked, naming that holder; a missing account or
// container is errNoLockContainer. The lease is then renewed every
// c.renew until release.
func (c *clients) acquireLock(ctx context.Context, group, account, holder string) (*lock, error) {
	id := newLeaseID()
	_, err := c.containers.Lease(ctx, group, account, lockContainer, &armstorage.BlobContainersClientLeaseOptions{Parameters: &armstorage.LeaseContainerRequest{
		Action: to.Ptr(armstorage.LeaseContainerRequestActionAcquire), LeaseDuration: to.Ptr[int32](lockLease), ProposedLeaseID: to.Ptr(id),
	}})
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re) && re.StatusCode == http.StatusConflict:
		return nil, fmt.Errorf("%w: the lock (a lease on container %s of storage account %s) is held by %s; wait for that deploy to finish (a lease nobody renews expires within %ds)",
			deploy.ErrLocked, lockContainer, account, c.lockHolder(ctx, group, account), lockLease)
	case notFound(err):
		return nil, errNoLockContainer
	case err != nil:
		return nil, fmt.Errorf("taking the deploy lock: %w", err)
	}
	l := &lock{c: c, group: group, account: account, id: id, stop: make(chan struct{}), done: make(chan struct{})}
	// The holder is recorded after the lease is ours: until then, a
	// refused deploy reads the previous holder's name.
	if _, err := c.containers.Update(ctx, group, account, lockContainer, armstorage.BlobContainer{ContainerProperties: &armstorage.ContainerProperties{
		Metadata: map[string]*string{metaHolder: to.Ptr(holder)},
	}}, nil); err != nil {
		close(l.stop)
		close(l.done)
		return nil, errors.Join(fmt.Errorf("recording the deploy lock's holder: %w", err), l.release(ctx))
	}
	go l.renewLoop(context.WithoutCancel(ctx))
	return l, nil
}

// lockHolder reads the lock container's holder metadata.
func (c *clients) lockHolder(ctx context.Context, group, account string) string {
	got, err := c.containers.Get(ctx, group, account, lockContainer, nil)
	if err != nil || got.ContainerProperties == nil || got.ContainerProperties.Metadata[metaHolder] == nil {
		return "another deploy (its holder is not recorded)"
	}
	return *got.ContainerProperties.Metadata[metaHolder]
}

func (l *lock) renewLoop(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.c.renew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		_, err := l.c.containers.Lease(ctx, l.group, l.account, lockContainer, &armstorage.BlobContainersClientLeaseOptions{Parameters: &armstorage.LeaseContainerRequest{
			Action: to.Ptr(armstorage.LeaseContainerRequestActionRenew), LeaseID: to.Ptr(l.id),
		}})
		if err != nil {
			l.mu.Lock()
			l.lost = fmt.Errorf("%w: renewing the deploy lock's lease failed, so another deploy may run now: %v", deploy.ErrLocked, err)
			l.mu.Unlock()
			return
		}
	}
}

// check reports a lease the renewals lost.
func (l *lock) check() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// release stops the renewals and releases the lease; a container gone
// with its group (destroy --delete-data) has nothing to release. A lease
// a renewal lost is reported (deploy.ErrLocked): what ran since may have
// overlapped another deploy.
func (l *lock) release(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	if err := l.check(); err != nil {
		return err // the lease is another's now: nothing to release
	}
	_, err := l.c.containers.Lease(ctx, l.group, l.account, lockContainer, &armstorage.BlobContainersClientLeaseOptions{Parameters: &armstorage.LeaseContainerRequest{
		Action: to.Ptr(armstorage.LeaseContainerRequestActionRelease), LeaseID: to.Ptr(l.id),
	}})
	if err != nil && !notFound(err) {
		return fmt.Errorf("releasing the deploy lock (it expires by itself within %ds): %w", lockLease, err)
	}
	return nil
}
