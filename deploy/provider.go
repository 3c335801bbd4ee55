package deploy

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/sdk"
)

// Provider builds an app's deployment artifact for one cloud.
type Provider interface {
	// Name is the --provider value, e.g. "aws".
	Name() string
	// Describe is one line for help texts: the platform and the artifact,
	// e.g. "AWS Lambda: bootstrap.zip, a static provided.al2023 bootstrap".
	Describe() string
	// Flags declares the provider's own settings, for every verb.
	Flags() []Flag
	// Build compiles the app and writes the artifact and the app's
	// manifest.json into req.Out.
	Build(ctx context.Context, req *BuildRequest) (*BuildResult, error)
}

// Verb says which commands a Flag applies to.
type Verb uint8

// The verbs a provider flag can apply to.
const (
	VerbBuild  Verb = 1 << iota // faas build (and the build step of deploy)
	VerbDeploy                  // faas deploy, plan, destroy, outputs
)

// Flag declares one provider setting, given on the command line as
// --<Name>. The CLI registers the union of every provider's flags and
// refuses a flag that the chosen provider does not declare.
type Flag struct {
	Name  string
	Usage string
	// Values, if set, are the accepted values; anything else is a usage error.
	Values []string
	// Env, if set, is read when the flag is not given.
	Env string
	For Verb
}

// Settings are the values of a provider's flags, by flag name. Unset
// flags are absent.
type Settings map[string]string

// BuildRequest is what a Provider builds.
type BuildRequest struct {
	// Dir is the app package's directory.
	Dir string
	// Out is the output directory, created if needed (by convention
	// dist/<provider>).
	Out string
	// Settings are the provider's build flags.
	Settings Settings
	// Progress receives one line per step; nil discards.
	Progress io.Writer
	// Wrap, if set, wraps the app constructor in the generated main
	// (appbuild.Options.Wrap); faas dev --emulate binds the app's
	// resources to the dev stores this way.
	Wrap *appbuild.Entry
	// Local builds for this machine's OS and architecture, to run under
	// the provider's local host rather than on the platform.
	Local bool
}

// ProgressWriter returns req.Progress, or io.Discard.
func (req *BuildRequest) ProgressWriter() io.Writer {
	if req.Progress == nil {
		return io.Discard
	}
	return req.Progress
}

// BuildResult is what Build wrote.
type BuildResult struct {
	Provider string `json:"provider"`
	// Dir is the absolute output directory.
	Dir string `json:"dir"`
	// Artifact is the absolute path of the deployable file.
	Artifact string `json:"artifact"`
	// Files are the absolute paths of every file written.
	Files []string `json:"files"`
	// Manifest is the app's manifest, as written to manifest.json.
	Manifest *sdk.Manifest `json:"manifest"`
	// Warnings are problems the deployed app will have unless its
	// environment fixes them (usually settings only the cloud has).
	Warnings []string `json:"warnings,omitempty"`
	// Summary is the human-readable report, one line each.
	Summary []string `json:"-"`
}

// Registry state: the providers by name. A registry is the one kind of
// package-level mutable state the house allows.
var (
	mu        sync.RWMutex
	providers = map[string]Provider{}
)

// Register makes p available by p.Name(). It panics if the name is taken,
// like database/sql.Register.
func Register(p Provider) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := providers[p.Name()]; dup {
		panic("deploy: Register called twice for provider " + p.Name())
	}
	providers[p.Name()] = p
}

// Lookup returns the provider registered as name.
func Lookup(name string) (Provider, error) {
	mu.RLock()
	defer mu.RUnlock()
	if p, ok := providers[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("deploy: unknown provider %q: want one of %s", name, strings.Join(namesLocked(), ", "))
}

// Providers returns every registered provider, sorted by name.
func Providers() []Provider {
	mu.RLock()
	defer mu.RUnlock()
	var ps []Provider
	for _, n := range namesLocked() {
		ps = append(ps, providers[n])
	}
	return ps
}

// Names returns the registered provider names, sorted; with a filter, only
// those for which keep returns true (e.g. the Deployers).
func Names(keep func(Provider) bool) []string {
	var ns []string
	for _, p := range Providers() {
		if keep == nil || keep(p) {
			ns = append(ns, p.Name())
		}
	}
	return ns
}

func namesLocked() []string {
	ns := make([]string, 0, len(providers))
	for n := range providers {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// CheckSettings reports, as one error, the settings that p does not declare
// for verb and the values its flags do not accept.
func CheckSettings(p Provider, verb Verb, s Settings) error {
	var probs []string
	for name, v := range s {
		i := slices.IndexFunc(p.Flags(), func(f Flag) bool { return f.Name == name && f.For&verb != 0 })
		if i < 0 {
			probs = append(probs, fmt.Sprintf("--%s does not apply to --provider=%s", name, p.Name()))
			continue
		}
		if f := p.Flags()[i]; len(f.Values) > 0 && !slices.Contains(f.Values, v) {
			probs = append(probs, fmt.Sprintf("--%s %q: want one of %s", name, v, strings.Join(f.Values, ", ")))
		}
	}
	sort.Strings(probs)
	if len(probs) > 0 {
		return fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return nil
}
