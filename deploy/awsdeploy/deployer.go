package awsdeploy

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faaskit/faas/deploy"
)

var _ deploy.Deployer = Provider{}

// step is one planned change and the calls that make it. apply runs with
// a context that is never cancelled, so a call in flight finishes.
type step struct {
	change deploy.Change
	apply  func(ctx context.Context) error
}

// env is what every driver reads: the target, its clients and names, the
// artifact, and the IDs that earlier steps found or created (the HTTP
// API's, the user pool's), which later steps read at apply time.
type env struct {
	names
	t       *deploy.Target
	c       *clients
	arch    string // Lambda architecture: arm64 or x86_64
	zipPath string
	zipKey  string // the artifact's key in the artifact bucket: code/<sha256>.zip
	zipSHA  string // base64 SHA-256 of the zip, as Lambda reports CodeSha256
	lockID  string

	apiID, apiEndpoint       string
	poolID, clientID, domain string
}

// state is a Plan's deployer-specific record (deploy.Plan.State). It
// reaches the env only through closures: a type reachable from an
// interface value is open to reflection, and the CLI links text/template,
// whose reflective method calls make the linker keep every method of such
// types, here every operation of every AWS client (about 25 MB).
type state struct {
	t       *deploy.Target
	steps   []step
	run     func(ctx context.Context, steps []step) (done int, err error)
	outputs func(ctx context.Context) (*deploy.Outputs, error)
}

// planner plans one resource kind: it reads the live state, compares it
// with the manifest and returns the steps that reconcile them and the
// number of resources already as declared.
type planner func(ctx context.Context, e *env) ([]step, int, error)

// planners are the resource kinds in the order they are applied: what a
// later kind refers to comes first.
var planners = []planner{
	planArtifact, planRole, planLogGroups, planBuckets, planTables, planTopics,
	planAPI, planCognito, planFunctions, planQueues, planNotifications,
	planSchedules, planRoutes,
}

// newEnv validates t against the limits (no call made if it fails), then
// connects and hashes the artifact.
func (p Provider) newEnv(ctx context.Context, t *deploy.Target) (*env, error) {
	if t.Manifest == nil {
		return nil, errors.New("awsdeploy: the target has no manifest")
	}
	if err := checkLimits(t); err != nil {
		return nil, err
	}
	c, err := newClients(ctx, t.Settings, p.APIOptions)
	if err != nil {
		return nil, err
	}
	e := &env{t: t, c: c, arch: lambdaArch(t.Settings["arch"]),
		names: names{app: t.App(), stage: t.Stage, region: c.region, account: c.account}}
	if t.Artifact != "" {
		e.zipPath = filepath.Join(t.Artifact, ZipName)
		sum, err := fileSHA256(e.zipPath)
		if err != nil {
			return nil, err
		}
		e.zipKey = "code/" + hex.EncodeToString(sum) + ".zip"
		e.zipSHA = base64.StdEncoding.EncodeToString(sum)
	}
	return e, nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("awsdeploy: reading the artifact: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("awsdeploy: reading the artifact: %w", err)
	}
	return h.Sum(nil), nil
}

// Plan implements deploy.Deployer: it reads every resource kind and makes
// no mutating call.
func (p Provider) Plan(ctx context.Context, t *deploy.Target) (*deploy.Plan, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	if e.zipPath == "" {
		return nil, errors.New("awsdeploy: Plan: the target has no artifact: build first")
	}
	pl := &deploy.Plan{Provider: Name, App: t.App(), Stage: t.Stage, Changes: []deploy.Change{}}
	st := &state{t: t,
		run:     func(ctx context.Context, steps []step) (int, error) { return e.run(ctx, steps) },
		outputs: e.outputs}
	for _, d := range planners {
		steps, same, err := d(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("awsdeploy: Plan: %w", err)
		}
		st.steps = append(st.steps, steps...)
		pl.Unchanged += same
	}
	for _, s := range st.steps {
		pl.Changes = append(pl.Changes, s.change)
	}
	pl.State = st
	return pl, nil
}

// Apply implements deploy.Deployer. It creates the artifact bucket if
// needed, takes the deployment lock, and runs the plan's steps in order,
// each to completion (a cancelled ctx stops before the next step, never
// inside one), then releases the lock and reads the outputs.
func (p Provider) Apply(ctx context.Context, t *deploy.Target, pl *deploy.Plan) (*deploy.Outputs, error) {
	st, ok := pl.State.(*state)
	if !ok || st.t != t {
		var err error
		if pl, err = p.Plan(ctx, t); err != nil {
			return nil, err
		}
		st = pl.State.(*state)
	}
	if len(st.steps) > 0 {
		done, err := st.run(ctx, st.steps)
		if err != nil {
			ae := &deploy.ApplyError{Err: err}
			for i, s := range st.steps {
				if i < done {
					ae.Done = append(ae.Done, s.change)
				} else {
					ae.NotDone = append(ae.NotDone, s.change)
				}
			}
			return nil, ae
		}
	}
	return st.outputs(ctx)
}

// run applies steps under the lock and returns how many completed.
func (e *env) run(ctx context.Context, steps []step) (done int, err error) {
	calm := context.WithoutCancel(ctx)
	// The artifact bucket holds the lock, so it is made first, unlocked:
	// creating it is idempotent.
	if steps[0].change.Kind == kindArtifactBucket {
		if err := e.runStep(calm, steps[0]); err != nil {
			return 0, err
		}
		done = 1
	}
	if err := e.lock(calm); err != nil {
		return done, err
	}
	defer func() {
		if uerr := e.unlock(calm); uerr != nil && err == nil {
			err = uerr
		}
	}()
	for _, s := range steps[done:] {
		if ctx.Err() != nil {
			return done, fmt.Errorf("stopped: %w", context.Cause(ctx))
		}
		if err := e.runStep(calm, s); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

func (e *env) runStep(ctx context.Context, s step) error {
	return deploy.RunChange(ctx, e.t, s.change, s.apply)
}

// Outputs implements deploy.Deployer.
func (p Provider) Outputs(ctx context.Context, t *deploy.Target) (*deploy.Outputs, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := e.readAPI(ctx); err != nil {
		return nil, err
	}
	if t.Auth.Issuer == "" {
		if err := e.readCognito(ctx); err != nil {
			return nil, err
		}
	}
	return e.outputs(ctx)
}

func (e *env) outputs(ctx context.Context) (*deploy.Outputs, error) {
	if e.apiID == "" {
		if err := e.readAPI(ctx); err != nil {
			return nil, err
		}
	}
	if e.apiID == "" {
		return nil, fmt.Errorf("awsdeploy: %s is not deployed in %s (no HTTP API %s)", e.prefix(), e.region, e.api())
	}
	o := &deploy.Outputs{URL: e.apiEndpoint, Extra: map[string]string{"region": e.region, "api_id": e.apiID}}
	switch {
	case e.t.Auth.Issuer != "":
		o.Issuer, o.Audience = e.t.Auth.Issuer, e.t.Auth.Audience
	case e.poolID != "":
		o.Issuer, o.Audience, o.ClientID = e.issuer(e.poolID), e.clientID, e.clientID
		o.Extra["user_pool_id"] = e.poolID
		if e.domain != "" {
			o.Extra["hosted_ui"] = fmt.Sprintf("https://%s.auth.%s.amazoncognito.com", e.domain, e.region)
		}
	}
	return o, nil
}

// Destroy implements deploy.Deployer: it deletes what the app+stage owns,
// in the reverse order of Apply, keeping buckets, tables and the user pool
// (its users) unless opts.DeleteData.
func (p Provider) Destroy(ctx context.Context, t *deploy.Target, opts *deploy.DestroyOptions) (*deploy.DestroyResult, error) {
	e, err := p.newEnv(ctx, t)
	if err != nil {
		return nil, err
	}
	dd := opts != nil && opts.DeleteData
	res := &deploy.DestroyResult{Deleted: []deploy.Resource{}, Kept: []deploy.Resource{}}
	calm := context.WithoutCancel(ctx)
	locked, err := e.lockIfBucket(calm)
	if err != nil {
		return nil, err
	}
	for _, d := range destroyers {
		if ctx.Err() != nil {
			err = fmt.Errorf("awsdeploy: Destroy: stopped: %w", context.Cause(ctx))
			break
		}
		if err = d(calm, e, dd, res); err != nil {
			err = fmt.Errorf("awsdeploy: Destroy: %w", err)
			break
		}
	}
	if locked && err != nil {
		e.unlock(calm)
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// destroyer deletes one resource kind, recording what it deleted and kept.
type destroyer func(ctx context.Context, e *env, deleteData bool, res *deploy.DestroyResult) error

// destroyers run in the reverse order of planners; the artifact bucket,
// which holds the lock, goes last.
var destroyers = []destroyer{
	destroyRoutes, destroySchedules, destroyNotifications, destroyQueues, destroyFunctions,
	destroyCognito, destroyAPI, destroyTopics, destroyTables, destroyBuckets,
	destroyLogGroups, destroyRole, destroyArtifact,
}

// done records a deleted resource and reports it.
func (e *env) deleted(res *deploy.DestroyResult, kind, name string) {
	res.Deleted = append(res.Deleted, deploy.Resource{Kind: kind, Name: name})
	e.t.Emit(deploy.Event{Action: deploy.Delete, Kind: kind, Name: name, Status: deploy.StatusDone})
}
