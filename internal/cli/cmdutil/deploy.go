package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// IsDeployer keeps the providers that deploy (for AddProviderFlags).
func IsDeployer(p deploy.Provider) bool {
	_, ok := p.(deploy.Deployer)
	return ok
}

// InIsTerminal reports whether In is a terminal.
func (s *IOStreams) InIsTerminal() bool {
	f, ok := s.In.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// DeployFlags are the flags every deploy verb shares: the provider and
// its deploy settings, --stage, --out and --json.
type DeployFlags struct {
	Provider *ProviderFlags
	Stage    string
	Out      string
	JSON     bool
}

// AddDeployFlags registers the shared deploy flags on cmd.
func AddDeployFlags(cmd *cobra.Command) *DeployFlags {
	df := &DeployFlags{Provider: AddProviderFlags(cmd, deploy.VerbDeploy, IsDeployer)}
	cmd.Flags().StringVar(&df.Stage, "stage", "dev", "deployment stage: names and isolates a deployment (lower-case letters, digits, '-')")
	cmd.Flags().StringVar(&df.Out, "out", "dist", "build directory; the artifact is in <out>/<provider>")
	cmd.Flags().BoolVar(&df.JSON, "json", false, "print the result as JSON on stdout")
	return df
}

// DeployOptions are the inputs every deploy verb shares, resolved from
// DeployFlags and the dir argument.
type DeployOptions struct {
	IO       *IOStreams
	Dir      string
	Provider deploy.Deployer
	Settings deploy.Settings
	Stage    string
	Out      string
	JSON     bool
}

// DeployUse is the Use line of a deploy verb: the verb, the deploying
// providers, and extra (more flags to show).
func DeployUse(verb, extra string) string {
	use := verb + " --provider=" + strings.Join(deploy.Names(IsDeployer), "|") + " [--stage dev]"
	if extra != "" {
		use += " " + extra
	}
	return use + " [dir]"
}

// DeployCommand completes cmd as a deploy verb: it registers the shared
// deploy flags and sets Args and RunE. RunE resolves the flags into o (its
// IO stays as set), calls check (if not nil, for the verb's own flags), then
// run. Register the verb's own flags on the returned command.
func DeployCommand(cmd *cobra.Command, o *DeployOptions, check func() error, run func(context.Context) error) *cobra.Command {
	df := AddDeployFlags(cmd)
	cmd.Args = DirArg
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, s, err := df.Resolve()
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(); err != nil {
				return err
			}
		}
		o.Dir, o.Provider, o.Settings, o.Stage, o.Out, o.JSON = DirOf(args), p, s, df.Stage, df.Out, df.JSON
		return run(cmd.Context())
	}
	return cmd
}

// AddAuthFlags registers --auth-issuer and --auth-audience, read into a.
func AddAuthFlags(cmd *cobra.Command, a *deploy.Auth, issuerUsage, audienceUsage string) {
	cmd.Flags().StringVar(&a.Issuer, "auth-issuer", "", issuerUsage)
	cmd.Flags().StringVar(&a.Audience, "auth-audience", "", audienceUsage)
}

// CheckAuth refuses --auth-issuer without --auth-audience and the reverse,
// and an issuer that is not an https:// URL.
func CheckAuth(a deploy.Auth) error {
	if (a.Issuer == "") != (a.Audience == "") {
		return Usagef("--auth-issuer and --auth-audience go together: give both, or neither to let faas create the sign-in")
	}
	if a.Issuer != "" && !strings.HasPrefix(a.Issuer, "https://") {
		return Usagef("--auth-issuer %q: want an https:// URL", a.Issuer)
	}
	return nil
}

// Resolve returns the chosen Deployer and its settings, and checks the stage.
func (df *DeployFlags) Resolve() (deploy.Deployer, deploy.Settings, error) {
	p, s, err := df.Provider.Resolve()
	if err != nil {
		return nil, nil, err
	}
	if err := checkStage(df.Stage); err != nil {
		return nil, nil, err
	}
	return p.(deploy.Deployer), s, nil
}

func checkStage(s string) error {
	ok := s != "" && len(s) <= 16 && s[0] >= 'a' && s[0] <= 'z' && s[len(s)-1] != '-'
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return Usagef("--stage %q: want 1 to 16 lower-case letters, digits or '-', starting with a letter", s)
	}
	return nil
}

// BuildTarget builds the app in dir with p into <out>/<provider>, exactly
// as faas build does, and returns the deployment target.
func BuildTarget(ctx context.Context, io *IOStreams, p deploy.Deployer, s deploy.Settings, dir, out, stage string) (*deploy.Target, error) {
	res, err := p.Build(ctx, &deploy.BuildRequest{Dir: dir, Out: filepath.Join(out, p.Name()), Settings: s, Progress: io.ErrOut})
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(io.ErrOut, "warning:", w)
	}
	return &deploy.Target{Stage: stage, Manifest: res.Manifest, Artifact: res.Dir, Settings: s}, nil
}

// ManifestTarget returns the target of an earlier build: the manifest in
// <out>/<provider>/manifest.json, or, if there is none, a new build.
// destroy and outputs need only the manifest.
func ManifestTarget(ctx context.Context, io *IOStreams, p deploy.Deployer, s deploy.Settings, dir, out, stage string) (*deploy.Target, error) {
	built := filepath.Join(out, p.Name())
	b, err := os.ReadFile(filepath.Join(built, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return BuildTarget(ctx, io, p, s, dir, out, stage)
	}
	if err != nil {
		return nil, err
	}
	var m sdk.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(built, "manifest.json"), err)
	}
	return &deploy.Target{Stage: stage, Manifest: &m, Settings: s}, nil
}

// ProgressPrinter returns a deploy.Target.Progress that writes one line
// per resource as it settles: "+ kind name (1.2s)", "~ …", "- …", or
// "! kind name failed: …". With live (stderr is a terminal), a status line
// below them shows what is in flight and is rewritten as events arrive; it
// is gone once nothing is in flight. Safe for concurrent events.
func ProgressPrinter(w io.Writer, color, live bool) func(deploy.Event) {
	var (
		mu       sync.Mutex
		inFlight []string
	)
	return func(e deploy.Event) {
		mu.Lock()
		defer mu.Unlock()
		if live {
			fmt.Fprint(w, "\r\x1b[K") // clear the status line
		}
		id := e.Kind + " " + e.Name
		switch e.Status {
		case deploy.StatusStarted:
			inFlight = append(inFlight, id)
		case deploy.StatusDone:
			inFlight = slices.DeleteFunc(inFlight, func(s string) bool { return s == id })
			took := ""
			if e.Took > 0 {
				took = fmt.Sprintf(" (%.1fs)", e.Took.Seconds())
			}
			fmt.Fprintf(w, "%s %s %s%s\n", symbol(e.Action, color), e.Kind, e.Name, took)
		case deploy.StatusFailed:
			inFlight = slices.DeleteFunc(inFlight, func(s string) bool { return s == id })
			fmt.Fprintf(w, "%s %s %s failed: %v\n", paint("!", "31", color), e.Kind, e.Name, e.Err)
		}
		if live && len(inFlight) > 0 {
			status := fmt.Sprintf("… %d in progress: %s", len(inFlight), strings.Join(inFlight, ", "))
			if len(status) > 100 {
				status = status[:99] + "…"
			}
			fmt.Fprint(w, status)
		}
	}
}

func symbol(a deploy.Action, color bool) string {
	switch a {
	case deploy.Create:
		return paint("+", "32", color)
	case deploy.Update:
		return paint("~", "33", color)
	case deploy.Delete:
		return paint("-", "31", color)
	}
	return string(a)
}

func paint(s, code string, color bool) string {
	if !color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// PrintPlan writes a plan as one line per change and a summary line.
func PrintPlan(w io.Writer, p *deploy.Plan, color bool) {
	counts := map[deploy.Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
		line := c.String()
		fmt.Fprintln(w, symbol(c.Action, color)+strings.TrimPrefix(line, line[:1]))
	}
	fmt.Fprintf(w, "plan for %s (%s, stage %s): %d to create, %d to update, %d to delete, %d unchanged\n",
		p.App, p.Provider, p.Stage, counts[deploy.Create], counts[deploy.Update], counts[deploy.Delete], p.Unchanged)
}

// PrintOutputs writes a deployment's outputs, one per line.
func PrintOutputs(w io.Writer, o *deploy.Outputs) {
	fmt.Fprintf(w, "url        %s\n", o.URL)
	if o.Issuer != "" {
		fmt.Fprintf(w, "issuer     %s\n", o.Issuer)
	}
	if o.ClientID != "" {
		fmt.Fprintf(w, "client_id  %s\n", o.ClientID)
	}
	if o.Audience != "" && o.Audience != o.ClientID {
		fmt.Fprintf(w, "audience   %s\n", o.Audience)
	}
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
