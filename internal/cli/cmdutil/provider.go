package cmdutil

import (
	"os"
	"slices"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/spf13/cobra"
)

// ProviderFlags are --provider and every registered provider's own flags
// for one verb, registered on a command by AddProviderFlags.
type ProviderFlags struct {
	// Provider is the --provider value.
	Provider string
	verb     deploy.Verb
	keep     func(deploy.Provider) bool
	cmd      *cobra.Command
	values   map[string]*string
}

// AddProviderFlags registers --provider (accepting the registered
// providers for which keep returns true; nil keeps all) and the union of
// their flags that apply to verb. Flags shared by several providers are
// registered once.
func AddProviderFlags(cmd *cobra.Command, verb deploy.Verb, keep func(deploy.Provider) bool) *ProviderFlags {
	pf := &ProviderFlags{verb: verb, keep: keep, cmd: cmd, values: map[string]*string{}}
	names := deploy.Names(keep)
	cmd.Flags().StringVar(&pf.Provider, "provider", "", "target cloud: "+strings.Join(names, ", ")+" (required)")
	cmd.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(names, cobra.ShellCompDirectiveNoFileComp))
	usage := map[string][]string{}
	var order []string
	for _, p := range deploy.Providers() {
		if keep != nil && !keep(p) {
			continue
		}
		for _, f := range p.Flags() {
			if f.For&verb == 0 {
				continue
			}
			if _, seen := usage[f.Name]; !seen {
				order = append(order, f.Name)
			}
			usage[f.Name] = append(usage[f.Name], f.Usage)
		}
	}
	for _, name := range order {
		v := new(string)
		pf.values[name] = v
		cmd.Flags().StringVar(v, name, "", strings.Join(usage[name], "; "))
	}
	return pf
}

// Resolve returns the chosen provider and its settings: the flags given
// and, for flags not given, their Env variables. Mistakes are usage errors.
func (pf *ProviderFlags) Resolve() (deploy.Provider, deploy.Settings, error) {
	names := deploy.Names(pf.keep)
	if !slices.Contains(names, pf.Provider) {
		return nil, nil, Usagef("--provider %q: want one of %s", pf.Provider, strings.Join(names, ", "))
	}
	p, err := deploy.Lookup(pf.Provider)
	if err != nil {
		return nil, nil, Usagef("%v", err)
	}
	s := deploy.Settings{}
	for name, v := range pf.values {
		if pf.cmd.Flags().Changed(name) {
			s[name] = *v
		}
	}
	for _, f := range p.Flags() {
		if _, set := s[f.Name]; !set && f.Env != "" && f.For&pf.verb != 0 {
			if v := os.Getenv(f.Env); v != "" {
				s[f.Name] = v
			}
		}
	}
	if err := deploy.CheckSettings(p, pf.verb, s); err != nil {
		return nil, nil, Usagef("%v", err)
	}
	return p, s, nil
}
