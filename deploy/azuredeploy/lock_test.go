package azuredeploy

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/examples/todo"
)

// deployed deploys the to-do app to a new fake cloud and returns the
// provider, the target and the cloud, counters reset.
func deployed(t *testing.T, opts func(*DeployOptions)) (Provider, *deploy.Target, *cloud) {
	t.Helper()
	c := newCloud(t)
	o := c.options()
	if opts != nil {
		opts(o)
	}
	p := Provider{Deploy: o}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatal(err)
	}
	c.reset()
	return p, tg, c
}

// holdLock takes the deploy lock as another deploy (holder) would.
func holdLock(t *testing.T, p Provider, tg *deploy.Target, holder string) *lock {
	t.Helper()
	e, err := p.newEnv(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.c.acquireLock(t.Context(), e.dataGroup(), e.storage(), holder)
	if err != nil {
		t.Fatalf("taking the lock as %s: %v", holder, err)
	}
	return l
}

// TestLockRefusesSecondDeploy: while another deploy holds the lock, a
// deploy fails with ErrLocked naming that holder, after the refused lease
// request and no other mutating call; once released, the deploy runs.
func TestLockRefusesSecondDeploy(t *testing.T) {
	p, tg, c := deployed(t, nil)
	other := holdLock(t, p, tg, "ci-runner-7 pid 4242 at 2026-12-01T09:00:00Z")
	c.reset()
	m := tg.Manifest
	tg.Artifact = writePackage(t, m, "v2")
	_, _, err := deployOnce(t, p, tg)
	if !errors.Is(err, deploy.ErrLocked) || !strings.Contains(err.Error(), "held by ci-runner-7 pid 4242") {
		t.Fatalf("deploy while locked: %v; want ErrLocked naming the holder", err)
	}
	if calls := c.callTails(); !slices.Equal(calls, []string{"POST lease"}) || len(c.published) != 1 {
		t.Errorf("deploy while locked: mutating calls %v, %d publishes; want only the refused lease request and no publish", calls, len(c.published))
	}
	if _, err := p.Destroy(t.Context(), tg, nil); !errors.Is(err, deploy.ErrLocked) || c.groups["todo-dev"] == nil {
		t.Errorf("destroy while locked: %v; want ErrLocked and the group kept", err)
	}
	if err := other.release(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.reset()
	if _, _, err := deployOnce(t, p, tg); err != nil || len(c.published) != 2 {
		t.Fatalf("deploy after the release: %v (%d publishes)", err, len(c.published))
	}
	if !slices.Equal(c.leaseLog, []string{"Acquire ok", "Release ok"}) {
		t.Errorf("lease calls %v; want the lock taken and released", c.leaseLog)
	}
}

// TestLockReleasedAfterFailure: a failed step still releases the lock, so
// the rerun is not refused.
func TestLockReleasedAfterFailure(t *testing.T) {
	p, tg, c := deployed(t, nil)
	tg.Artifact = writePackage(t, tg.Manifest, "v2")
	c.failPublish = true
	_, _, err := deployOnce(t, p, tg)
	var ae *deploy.ApplyError
	if !errors.As(err, &ae) || len(ae.NotDone) == 0 {
		t.Fatalf("deploy with a failing publish: %v; want an ApplyError", err)
	}
	if !slices.Equal(c.leaseLog, []string{"Acquire ok", "Release ok"}) || len(c.leases) != 0 {
		t.Errorf("after the failure: lease calls %v, leases %v; want the lock released", c.leaseLog, c.leases)
	}
	c.reset()
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatalf("rerun: %v", err)
	}
}

// TestStaleLockExpires: a deploy that died holding the lock (no renewal,
// no release) blocks others only until its lease expires.
func TestStaleLockExpires(t *testing.T) {
	p, tg, c := deployed(t, nil)
	dead := holdLock(t, p, tg, "crashed pid 1")
	defer dead.release(t.Context()) // stops its renewals; refused once another holds the lease
	tg.Artifact = writePackage(t, tg.Manifest, "v2")
	c.clock = c.clock.Add((lockLease - 1) * time.Second)
	if _, _, err := deployOnce(t, p, tg); !errors.Is(err, deploy.ErrLocked) {
		t.Fatalf("deploy %ds into the dead holder's lease: %v; want ErrLocked", lockLease-1, err)
	}
	c.clock = c.clock.Add(time.Second)
	c.reset()
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatalf("deploy after the lease expired: %v", err)
	}
	if !slices.Equal(c.leaseLog, []string{"Acquire ok", "Release ok"}) {
		t.Errorf("lease calls %v", c.leaseLog)
	}
}

// TestLockRenewedAndLost: a deploy renews its lease while it works; if a
// renewal is refused (the lease expired and another deploy took it), the
// deploy stops before its next step, or reports the loss at its end, with
// ErrLocked, and leaves the new holder's lease alone.
func TestLockRenewedAndLost(t *testing.T) {
	p, tg, c := deployed(t, func(o *DeployOptions) { o.LockRenew = time.Millisecond })
	tg.Artifact = writePackage(t, tg.Manifest, "v2")
	renewed, refused := make(chan struct{}), make(chan struct{})
	var once1, once2 sync.Once // renewals come from the renewing goroutines
	c.onLease = func(entry string) {
		switch entry {
		case "Renew ok":
			once1.Do(func() { close(renewed) })
		case "Renew refused":
			once2.Do(func() { close(refused) })
		}
	}
	c.onPublish = func() {
		wait(t, renewed, "a renewal of the lease")
		// As if renewals had stalled past the lease and another deploy
		// had taken the expired lease, in one step.
		c.mu.Lock()
		for k := range c.leases {
			c.leases[k] = &fakeLease{id: newLeaseID(), duration: lockLease}
			c.leases[k].extend(c.clock)
		}
		c.mu.Unlock()
		wait(t, refused, "a refused renewal")
	}
	// The loss is seen before the next step or, at the latest, at the
	// release; either way the deploy fails with ErrLocked.
	_, _, err := deployOnce(t, p, tg)
	var ae *deploy.ApplyError
	if !errors.As(err, &ae) || !errors.Is(err, deploy.ErrLocked) || !strings.Contains(err.Error(), "renewing the deploy lock's lease failed") {
		t.Fatalf("deploy whose lease was lost: %v; want an ApplyError wrapping ErrLocked", err)
	}
	if n := len(c.leaseLog); c.leaseLog[n-1] == "Release ok" {
		t.Errorf("lease calls %v: the lost lease was released (it is another deploy's)", c.leaseLog)
	}
	if len(c.leases) != 1 {
		t.Errorf("leases %v; the new holder's lease must survive the stopped deploy", c.leases)
	}
}

func wait(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Errorf("no %s", what)
	}
}
