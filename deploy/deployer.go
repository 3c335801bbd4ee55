package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faaskit/faas/sdk"
)

// Deployer is a Provider that deploys: it reconciles the cloud with an
// app's manifest. Implementations keep no local state: what a target owns
// is found in the cloud by name (<app>-<stage>-…) and by tags or labels.
//
// Every method first validates the target against the platform's limits
// (see Limits) and makes no call if it fails.
type Deployer interface {
	Provider
	// Limits lists the platform limits the deployer enforces before any
	// call; the README's limits table is generated from them.
	Limits() []Limit
	// Plan reads the live state and returns the changes Apply would make.
	// It makes no mutating call.
	Plan(ctx context.Context, t *Target) (*Plan, error)
	// Apply makes the changes of p (from Plan on the same target), waits
	// for the platform to settle, and returns the outputs. After a failure
	// part-way, a new Plan and Apply converge; the error says what was
	// done and what was not (see ApplyError).
	Apply(ctx context.Context, t *Target, p *Plan) (*Outputs, error)
	// Destroy removes what the target owns, keeping data resources
	// (buckets, tables, databases) unless opts.DeleteData.
	Destroy(ctx context.Context, t *Target, opts *DestroyOptions) (*DestroyResult, error)
	// Outputs reads the outputs of the live deployment.
	Outputs(ctx context.Context, t *Target) (*Outputs, error)
}

// Target is one deployment: an app, a stage, the built artifact and the
// provider's settings.
type Target struct {
	// Stage names the deployment, e.g. "dev" or "prod".
	Stage string
	// Manifest is the app's manifest (from the build).
	Manifest *sdk.Manifest
	// Artifact is the build's output directory (BuildResult.Dir). Plan
	// hashes the artifact to decide whether code changed.
	Artifact string
	// Settings are the provider's deploy flags (--region, --profile, ...).
	Settings Settings
	// Auth, if Issuer is set, is an external OIDC issuer the app verifies
	// tokens from; otherwise the deployer may create one.
	Auth Auth
	// Progress receives an Event per resource as it settles; nil discards.
	Progress func(Event)
}

// App returns the app name.
func (t *Target) App() string { return t.Manifest.App }

// Emit sends e to t.Progress, if set.
func (t *Target) Emit(e Event) {
	if t.Progress != nil {
		t.Progress(e)
	}
}

// Auth is the OIDC issuer settings of a deployment.
type Auth struct {
	Issuer   string `json:"issuer,omitempty"`
	Audience string `json:"audience,omitempty"`
}

// Action is what a plan does to one resource.
type Action string

// The plan actions.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Change is one planned change to one resource.
type Change struct {
	Action Action `json:"action"`
	// Kind is the resource kind, e.g. "lambda-function".
	Kind string `json:"kind"`
	// Name is the resource's name in the cloud.
	Name string `json:"name"`
	// Diffs are the fields an update changes.
	Diffs []Diff `json:"diffs,omitempty"`
}

// String renders the change as one plan line, e.g.
// "~ lambda-function todo-dev-api (memory_mb: 128 → 256)".
func (c Change) String() string {
	sym := map[Action]string{Create: "+", Update: "~", Delete: "-"}[c.Action]
	s := fmt.Sprintf("%s %s %s", sym, c.Kind, c.Name)
	for i, d := range c.Diffs {
		if i == 0 {
			s += " ("
		} else {
			s += ", "
		}
		s += fmt.Sprintf("%s: %s → %s", d.Field, d.Old, d.New)
		if i == len(c.Diffs)-1 {
			s += ")"
		}
	}
	return s
}

// Diff is one changed field.
type Diff struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Plan is the set of changes that brings the cloud to the manifest.
type Plan struct {
	Provider string   `json:"provider"`
	App      string   `json:"app"`
	Stage    string   `json:"stage"`
	Changes  []Change `json:"changes"`
	// Unchanged counts the resources already as declared.
	Unchanged int `json:"unchanged"`
	// State is the deployer's own record of what it read (opaque to the
	// CLI; not serialised), so Apply need not read it again.
	State any `json:"-"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Outputs are what a deployment tells its user.
type Outputs struct {
	// URL is the app's public base URL.
	URL string `json:"url"`
	// Issuer, Audience and ClientID describe the OIDC issuer the app
	// verifies tokens from, when the deployer created or was given one.
	Issuer   string `json:"issuer,omitempty"`
	Audience string `json:"audience,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	// Extra holds provider-specific outputs (resource names, consoles).
	Extra map[string]string `json:"extra,omitempty"`
}

// DestroyOptions configures Destroy.
type DestroyOptions struct {
	// DeleteData also deletes buckets, tables and databases, with their data.
	DeleteData bool
}

// Resource names one resource in the cloud.
type Resource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// DestroyResult is what Destroy removed and kept.
type DestroyResult struct {
	Deleted []Resource `json:"deleted"`
	Kept    []Resource `json:"kept"`
}

// Status is how one resource operation ended.
type Status string

// The event statuses.
const (
	StatusStarted Status = "started"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Event reports progress on one resource.
type Event struct {
	Action Action
	Kind   string
	Name   string
	Status Status
	// Took is how long the operation took (StatusDone and StatusFailed).
	Took time.Duration
	Err  error
}

// Limit is one platform limit a deployer enforces before any call.
type Limit struct {
	// What is limited, e.g. "function timeout".
	What string
	// Max is the limit, e.g. "15m".
	Max string
	// Setting is what to change to stay within it, e.g. "sdk.FunctionOptions.Timeout".
	Setting string
}

// ErrLocked is returned (wrapped) when another deploy of the same app and
// stage holds the deployment lock.
var ErrLocked = errors.New("deploy: another deploy of this app and stage is in progress")

// LimitError lists every limit a target exceeds; Deployers return it (or
// wrap it) before making any call.
type LimitError struct {
	Provider string
	Problems []string
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("deploy: the app exceeds %s limits:", e.Provider)
	for _, p := range e.Problems {
		s += "\n  - " + p
	}
	return s
}

// ApplyError is a failed Apply: the changes done before the failure, and
// the ones not done. Rerunning deploy converges.
type ApplyError struct {
	Done    []Change
	NotDone []Change
	Err     error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("deploy: %v (%d change(s) applied, %d not applied; run deploy again to finish)", e.Err, len(e.Done), len(e.NotDone))
}

func (e *ApplyError) Unwrap() error { return e.Err }
