package invoke

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/faaskit/faas/sdk"
	"github.com/spf13/cobra"
)

// completeNames completes the function argument and --topic with the
// names the running app declares: non-HTTP functions, or topics. It asks
// the running faas dev for its manifest (found through --dir or --url),
// and completes nothing if none answers within a second.
func completeNames(opts *Options, topics bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !topics && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		m, err := runningManifest(cmd.Context(), opts)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []cobra.Completion
		if topics {
			for _, r := range m.Resources {
				if r.Kind == sdk.KindTopic && strings.HasPrefix(r.Name, prefix) {
					names = append(names, r.Name)
				}
			}
		} else {
			for _, f := range m.Functions {
				if f.Kind != sdk.KindHTTP && strings.HasPrefix(f.Name, prefix) {
					names = append(names, cobra.CompletionWithDesc(f.Name, string(f.Kind)))
				}
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// runningManifest reads the manifest of the app faas dev is running.
func runningManifest(ctx context.Context, opts *Options) (*sdk.Manifest, error) {
	base, err := baseURL(opts)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_faas/manifest", nil)
	if err != nil {
		return nil, err
	}
	client := opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m sdk.Manifest
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, err
	}
	return &m, nil
}
