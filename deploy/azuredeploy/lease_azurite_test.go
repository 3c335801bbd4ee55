//go:build integration

package azuredeploy

import (
	"errors"
	"fmt"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/internal/emulators"
)

// TestFakeLeaseMatchesAzurite runs the same container-lease requests
// against the fake's Blob Containers - Lease and against Azurite's blob
// service (the real protocol's lease state machine, which the ARM
// operation fronts) and wants the same outcome for each: the lock tests'
// fake is only as good as this agreement. (Expiry needs a real 15-60s
// wait on Azurite, so the fake's clock-driven expiry is not compared.)
func TestFakeLeaseMatchesAzurite(t *testing.T) {
	ctx := t.Context()
	a, b := newLeaseID(), newLeaseID()
	steps := []struct {
		action   armstorage.LeaseContainerRequestAction
		id       string
		duration int32
	}{
		{armstorage.LeaseContainerRequestActionAcquire, a, 10}, // too short
		{armstorage.LeaseContainerRequestActionAcquire, a, 61}, // too long
		{armstorage.LeaseContainerRequestActionRenew, a, 0},    // no lease yet
		{armstorage.LeaseContainerRequestActionAcquire, a, lockLease},
		{armstorage.LeaseContainerRequestActionAcquire, a, lockLease}, // again by the holder
		{armstorage.LeaseContainerRequestActionAcquire, b, lockLease}, // by another
		{armstorage.LeaseContainerRequestActionRenew, b, 0},
		{armstorage.LeaseContainerRequestActionRelease, b, 0},
		{armstorage.LeaseContainerRequestActionRenew, a, 0},
		{armstorage.LeaseContainerRequestActionRelease, a, 0},
		{armstorage.LeaseContainerRequestActionRelease, a, 0}, // released twice
		{armstorage.LeaseContainerRequestActionAcquire, b, -1},
		{armstorage.LeaseContainerRequestActionAcquire, a, lockLease},
		{armstorage.LeaseContainerRequestActionRelease, b, 0},
	}

	// The fake, through the real armstorage client.
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatal(err)
	}
	e := envOf(t, p, tg)
	fake := func(action armstorage.LeaseContainerRequestAction, id string, d int32) error {
		req := &armstorage.LeaseContainerRequest{Action: to.Ptr(action)}
		if action == armstorage.LeaseContainerRequestActionAcquire {
			req.ProposedLeaseID, req.LeaseDuration = to.Ptr(id), to.Ptr(d)
		} else {
			req.LeaseID = to.Ptr(id)
		}
		_, err := e.c.containers.Lease(ctx, e.dataGroup(), e.storage(), lockContainer, &armstorage.BlobContainersClientLeaseOptions{Parameters: req})
		return err
	}

	// Azurite, through azblob's lease client.
	svc := azuriteClient(t, emulators.Azurite(t))
	if _, err := svc.CreateContainer(ctx, lockContainer, nil); err != nil {
		t.Fatal(err)
	}
	cc := svc.ServiceClient().NewContainerClient(lockContainer)
	azurite := func(action armstorage.LeaseContainerRequestAction, id string, d int32) error {
		lc, err := lease.NewContainerClient(cc, &lease.ContainerClientOptions{LeaseID: to.Ptr(id)})
		if err != nil {
			return err
		}
		switch action {
		case armstorage.LeaseContainerRequestActionAcquire:
			_, err = lc.AcquireLease(ctx, d, nil)
		case armstorage.LeaseContainerRequestActionRenew:
			_, err = lc.RenewLease(ctx, nil)
		case armstorage.LeaseContainerRequestActionRelease:
			_, err = lc.ReleaseLease(ctx, nil)
		}
		return err
	}

	for i, s := range steps {
		who := "a"
		if s.id == b {
			who = "b"
		}
		got, want := outcome(fake(s.action, s.id, s.duration)), outcome(azurite(s.action, s.id, s.duration))
		if got != want {
			t.Errorf("step %d, %s by %s (%ds): the fake answers %s, Azurite %s", i, s.action, who, s.duration, got, want)
		}
	}
}

// outcome is "ok" or the error's HTTP status.
func outcome(err error) string {
	var re *azcore.ResponseError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &re):
		return fmt.Sprint(re.StatusCode)
	}
	return err.Error()
}
