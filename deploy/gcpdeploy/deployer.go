package gcpdeploy

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

var _ deploy.Deployer = Provider{}

// step is one planned change and the calls that make it. apply runs with
// a context that is never cancelled, so a call in flight finishes.
type step struct {
	change deploy.Change
	apply  func(ctx context.Context) error
}

// env is what every driver reads: the target, its clients and names, the
// artifact, and what earlier steps produced (the uploaded source).
type env struct {
	names
	t       *deploy.Target
	c       *clients
	zipPath string
	zipHash string // the first 16 hex digits of the zip's SHA-256: the source label

	emitMu sync.Mutex // Progress is called from parallel steps

	// source is the uploaded zip's storage location (bucket, object), set
	// by the upload step, read by the function steps it precedes.
	srcBucket, srcObject string

	now     func() time.Time // the clock that dates the deployment lock
	lockGen int64            // the generation of the lock this deploy holds (0: none)
	agent   string           // the Pub/Sub service agent, once read
}

// state is a Plan's deployer-specific record (deploy.Plan.State); like
// awsdeploy's, it reaches the env only through closures.
type state struct {
	t     *deploy.Target
	steps []step
	run   func(ctx context.Context, steps []step) (done []bool, err error)
	close func()
}

// planner plans one resource kind: it reads the live state, compares it
// with the manifest and returns the steps that reconcile them and the
// number of resources already as declared.
type planner func(ctx context.Context, e *env) ([]step, int, error)

// planners are the resource kinds in the order they are applied: what a
// later kind refers to comes first. planFunctions plans the source upload
// too, ahead of the first function that needs it. The deploy bucket, which
// holds the lock, comes first.
var planners = []planner{planDeployBucket, planServiceAccounts, planBuckets, planIndexes, planTTLs, planTopics, planGrants, planProjectGrants, planFunctions, planInvokers, planDeadLetters, planAgentGrants, planTriggers, planSchedules}

// newEnv validates t against the limits (no call made if it fails), then
// connects and hashes the artifact.
func (p Provider) newEnv(ctx context.Context, t *deploy.Target) (*env, error) {
	if t.Manifest == nil {
		return nil, errors.New("gcpdeploy: the target has no manifest")
	}
	project, region, err := settings(t.Settings)
	if err := errors.Join(err, checkLimits(t)); err != nil {
		return nil, err
	}
	e := &env{t: t, names: names{app: t.App(), stage: t.Stage, project: project, region: region}, now: p.now}
	if e.now == nil {
		e.now = time.Now
	}
	if t.Artifact != "" {
		e.zipPath = filepath.Join(t.Artifact, BundleFile)
		if e.zipHash, err = fileHash(e.zipPath); err != nil {
			return nil, err
		}
	}
	if e.c, err = newClients(ctx, project, region, p.opts); err != nil {
		return nil, err
	}
	return e, nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("gcpdeploy: reading the artifact: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("gcpdeploy: reading the artifact: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// declared returns the manifest's resources of kind k.
func (e *env) declared(k sdk.ResourceKind) []sdk.ResourceManifest {
	var rs []sdk.ResourceManifest
	for _, r := range e.t.Manifest.Resources {
		if r.Kind == k && r.URL == "" {
			rs = append(rs, r)
		}
	}
	return rs
}

// Plan implements deploy.Deployer: it reads every resource kind and makes
// no mutating call.
func (p Provider) Plan(ctx context.Context, t *deploy.Target) (*deploy.Plan, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	pl, err := e.plan(ctx)
	if err != nil {
		e.c.close()
		return nil, err
	}
	return pl, nil
}

func (e *env) plan(ctx context.Context) (*deploy.Plan, error) {
	if e.zipPath == "" {
		return nil, errors.New("gcpdeploy: Plan: the target has no artifact: build first")
	}
	pl := &deploy.Plan{Provider: Name, App: e.t.App(), Stage: e.t.Stage, Changes: []deploy.Change{}}
	st := &state{t: e.t, run: e.run, close: e.c.close}
	for _, d := range planners {
		steps, same, err := d(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("gcpdeploy: Plan: %w", err)
		}
		st.steps = append(st.steps, steps...)
		pl.Unchanged += same
	}
	// The deploy bucket goes first, then what calls a function (a trigger,
	// a job) goes before the function.
	slices.SortStableFunc(st.steps, func(a, b step) int { return cmp.Compare(stepOrder(b), stepOrder(a)) })
	for _, s := range st.steps {
		pl.Changes = append(pl.Changes, s.change)
	}
	pl.State = st
	return pl, nil
}

func stepOrder(s step) int {
	switch {
	case s.change.Kind == kindDeployBucket:
		return 2
	case s.change.Action == deploy.Delete && (s.change.Kind == kindTrigger || s.change.Kind == kindJob):
		return 1
	}
	return 0
}

// Apply implements deploy.Deployer: it creates the deploy bucket if
// needed, takes the deployment lock (a plan without changes takes none),
// runs the plan's steps in order, each to completion (a cancelled ctx
// stops before the next step, never inside one), releases the lock and
// reads the outputs.
func (p Provider) Apply(ctx context.Context, t *deploy.Target, pl *deploy.Plan) (*deploy.Outputs, error) {
	st, ok := pl.State.(*state)
	if !ok || st.t != t {
		var err error
		if pl, err = p.Plan(ctx, t); err != nil {
			return nil, err
		}
		st = pl.State.(*state)
	}
	defer st.close()
	done, err := st.run(ctx, st.steps)
	if err != nil {
		ae := &deploy.ApplyError{Err: err}
		for i, s := range st.steps {
			if done[i] {
				ae.Done = append(ae.Done, s.change)
			} else {
				ae.NotDone = append(ae.NotDone, s.change)
			}
		}
		return nil, ae
	}
	return p.Outputs(ctx, t)
}

// run applies steps in order under the lock and reports which completed.
// Consecutive function creates and updates run in parallel, since each is
// a Cloud Build of minutes; the first error stops the steps after the
// batch.
func (e *env) run(ctx context.Context, steps []step) (done []bool, err error) {
	calm := context.WithoutCancel(ctx)
	done = make([]bool, len(steps))
	if len(steps) == 0 {
		return done, nil
	}
	i := 0
	// The deploy bucket holds the lock, so it is made first, unlocked:
	// creating it is idempotent.
	if steps[0].change.Kind == kindDeployBucket {
		if err := e.runStep(calm, steps[0]); err != nil {
			return done, err
		}
		done[0], i = true, 1
	}
	if err := e.lock(calm); err != nil {
		return done, err
	}
	defer func() {
		if uerr := e.unlock(calm); uerr != nil && err == nil {
			err = uerr
		}
	}()
	for i < len(steps) {
		if ctx.Err() != nil {
			return done, fmt.Errorf("stopped: %w", context.Cause(ctx))
		}
		j := i + 1
		for parallel(steps[i]) && j < len(steps) && parallel(steps[j]) {
			j++
		}
		errs := make([]error, j-i)
		var wg sync.WaitGroup
		for k := i; k < j; k++ {
			wg.Go(func() {
				if errs[k-i] = e.runStep(calm, steps[k]); errs[k-i] == nil {
					done[k] = true
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return done, err
		}
		i = j
	}
	return done, nil
}

func parallel(s step) bool {
	return s.change.Kind == kindFunction && s.change.Action != deploy.Delete
}

func (e *env) runStep(ctx context.Context, s step) error {
	// Steps run in parallel: their progress goes through emit, one event at a time.
	t := *e.t
	t.Progress = e.emit
	return deploy.RunChange(ctx, &t, s.change, s.apply)
}

func (e *env) emit(ev deploy.Event) {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	e.t.Emit(ev)
}

// Outputs implements deploy.Deployer: the URL of the HTTP function (the
// first, if several) and every function's URL in Extra.
func (p Provider) Outputs(ctx context.Context, t *deploy.Target) (*deploy.Outputs, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	defer e.c.close()
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, fmt.Errorf("gcpdeploy: Outputs: %w", err)
	}
	o := &deploy.Outputs{Extra: map[string]string{"project": e.project, "region": e.region}}
	for _, fm := range t.Manifest.Functions {
		f := live[e.function(fm.Name)]
		if f == nil || fm.Kind != sdk.KindHTTP {
			continue
		}
		if o.URL == "" {
			o.URL = f.GetUrl()
		}
		o.Extra["url_"+fm.Name] = f.GetUrl()
	}
	if o.URL == "" {
		return nil, fmt.Errorf("gcpdeploy: Outputs: %s is not deployed in %s (no HTTP function)", e.prefix(), e.location())
	}
	if t.Auth.Issuer != "" {
		o.Issuer, o.Audience = t.Auth.Issuer, t.Auth.Audience
	}
	return o, nil
}

// Destroy implements deploy.Deployer: it deletes what the app+stage owns,
// in the reverse order of Apply, keeping buckets (and the Firestore
// collections, which Destroy never touches) unless opts.DeleteData.
func (p Provider) Destroy(ctx context.Context, t *deploy.Target, opts *deploy.DestroyOptions) (*deploy.DestroyResult, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	defer e.c.close()
	dd := opts != nil && opts.DeleteData
	res := &deploy.DestroyResult{Deleted: []deploy.Resource{}, Kept: []deploy.Resource{}}
	calm := context.WithoutCancel(ctx)
	if _, err := e.lockIfBucket(calm); err != nil {
		return nil, fmt.Errorf("gcpdeploy: Destroy: %w", err)
	}
	for _, d := range destroyers {
		if ctx.Err() != nil {
			err = fmt.Errorf("gcpdeploy: Destroy: stopped: %w", context.Cause(ctx))
			break
		}
		if err = d(calm, e, dd, res); err != nil {
			err = fmt.Errorf("gcpdeploy: Destroy: %w", err)
			break
		}
	}
	if err != nil {
		e.unlock(calm) // the error says what failed; a lock left behind would only add to it
		return res, err
	}
	return res, nil
}

// destroyers run in the reverse order of planners; the deploy bucket,
// which holds the lock, goes last.
var destroyers = []destroyer{destroySchedules, destroyTriggers, destroyFunctions, destroyDeadLetters, destroyTopics, destroyProjectGrants, destroyServiceAccounts, destroyTTLs, destroyIndexes, destroyBuckets, destroyDocuments, destroyDeployBucket}

// destroyer deletes one resource kind, recording what it deleted and kept.
type destroyer func(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error

// deleted records a deleted resource and reports it.
func (e *env) deleted(res *deploy.DestroyResult, kind, name string) {
	res.Deleted = append(res.Deleted, deploy.Resource{Kind: kind, Name: name})
	e.t.Emit(deploy.Event{Action: deploy.Delete, Kind: kind, Name: name, Status: deploy.StatusDone})
}
