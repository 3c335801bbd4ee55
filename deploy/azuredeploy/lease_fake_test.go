package azuredeploy

import (
	"context"
	"net/http"
	"strings"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	stfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage/fake"
)

// fakeLease is a container lease as Blob Containers - Lease keeps it.
type fakeLease struct {
	id       string
	duration int32     // seconds, -1 infinite
	expires  time.Time // zero for an infinite lease
}

// active reports whether the lease still excludes others at now.
func (l *fakeLease) active(now time.Time) bool {
	return l != nil && (l.expires.IsZero() || now.Before(l.expires))
}

func (l *fakeLease) extend(now time.Time) {
	l.expires = time.Time{}
	if l.duration > 0 {
		l.expires = now.Add(time.Duration(l.duration) * time.Second)
	}
}

// containerExists reports whether a deployed template of group made the
// container account/default/name.
func (c *cloud) containerExists(group, account, name string) bool {
	if c.groups[group] == nil {
		return false
	}
	for k, tpl := range c.deployments {
		if !strings.HasPrefix(k, group+"/") {
			continue
		}
		for _, r := range tpl["resources"].([]any) {
			rm := r.(map[string]any)
			if rm["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers" && rm["name"] == account+"/default/"+name {
				return true
			}
		}
	}
	return false
}

// storage is armstorage's fake: container leases with the documented
// semantics (Acquire refuses an active lease with 409 and takes an expired
// one; Renew and Release need the lease's ID; durations are 15-60s or -1),
// expiring on the cloud's clock, and container metadata.
func (c *cloud) storage() *stfake.ServerFactory {
	conflict := func(e *azfake.ErrorResponder, code string) { e.SetResponseError(http.StatusConflict, code) }
	return &stfake.ServerFactory{BlobContainersServer: stfake.BlobContainersServer{
		Lease: func(_ context.Context, group, account, name string, o *armstorage.BlobContainersClientLeaseOptions) (resp azfake.Responder[armstorage.BlobContainersClientLeaseResponse], e azfake.ErrorResponder) {
			c.mu.Lock()
			defer func() {
				outcome := "ok"
				if e != (azfake.ErrorResponder{}) {
					outcome = "refused"
				}
				entry := string(*o.Parameters.Action) + " " + outcome
				c.leaseLog = append(c.leaseLog, entry)
				hook := c.onLease
				c.mu.Unlock()
				if hook != nil {
					hook(entry)
				}
			}()
			if !c.containerExists(group, account, name) {
				e.SetResponseError(http.StatusNotFound, "ContainerNotFound")
				return
			}
			key := group + "/" + account + "/" + name
			l, p := c.leases[key], o.Parameters
			id := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			switch *p.Action {
			case armstorage.LeaseContainerRequestActionAcquire:
				d := *p.LeaseDuration
				if d != -1 && (d < 15 || d > 60) {
					e.SetResponseError(http.StatusBadRequest, "InvalidHeaderValue")
					return
				}
				if l.active(c.clock) && id(p.ProposedLeaseID) != l.id {
					conflict(&e, "LeaseAlreadyPresent")
					return
				}
				l = &fakeLease{id: id(p.ProposedLeaseID), duration: d}
				if l.id == "" {
					l.id = newLeaseID()
				}
				c.leases[key] = l
			case armstorage.LeaseContainerRequestActionRenew:
				if l == nil || id(p.LeaseID) != l.id {
					conflict(&e, "LeaseIdMismatchWithLeaseOperation")
					return
				}
			case armstorage.LeaseContainerRequestActionRelease:
				if l == nil || id(p.LeaseID) != l.id {
					conflict(&e, "LeaseIdMismatchWithLeaseOperation")
					return
				}
				delete(c.leases, key)
				resp.SetResponse(http.StatusOK, armstorage.BlobContainersClientLeaseResponse{}, nil)
				return
			default:
				e.SetResponseError(http.StatusBadRequest, "UnsupportedLeaseAction")
				return
			}
			l.extend(c.clock)
			resp.SetResponse(http.StatusOK, armstorage.BlobContainersClientLeaseResponse{LeaseContainerResponse: armstorage.LeaseContainerResponse{LeaseID: to.Ptr(l.id)}}, nil)
			return
		},
		Update: func(_ context.Context, group, account, name string, b armstorage.BlobContainer, _ *armstorage.BlobContainersClientUpdateOptions) (resp azfake.Responder[armstorage.BlobContainersClientUpdateResponse], e azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.containerExists(group, account, name) {
				e.SetResponseError(http.StatusNotFound, "ContainerNotFound")
				return
			}
			c.metadata[group+"/"+account+"/"+name] = b.ContainerProperties.Metadata
			resp.SetResponse(http.StatusOK, armstorage.BlobContainersClientUpdateResponse{BlobContainer: b}, nil)
			return
		},
		Get: func(_ context.Context, group, account, name string, _ *armstorage.BlobContainersClientGetOptions) (resp azfake.Responder[armstorage.BlobContainersClientGetResponse], e azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.containerExists(group, account, name) {
				e.SetResponseError(http.StatusNotFound, "ContainerNotFound")
				return
			}
			key := group + "/" + account + "/" + name
			state := armstorage.LeaseStateAvailable
			if c.leases[key].active(c.clock) {
				state = armstorage.LeaseStateLeased
			}
			resp.SetResponse(http.StatusOK, armstorage.BlobContainersClientGetResponse{BlobContainer: armstorage.BlobContainer{Name: to.Ptr(name),
				ContainerProperties: &armstorage.ContainerProperties{Metadata: c.metadata[key], LeaseState: to.Ptr(state)}}}, nil)
			return
		},
	}}
}
