package azurefunc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/faaskit/faas/providers/azurefunc/hostjson"
)

// HostConfig is the part of host.json the handler needs to know.
type HostConfig struct {
	RoutePrefix string // extensions.http.routePrefix
	Forwarding  bool   // customHandler.enableForwardingHttpRequest or enableProxyingHttpRequest
	// TriggerKey is the key in the names of the app's non-HTTP function
	// folders (see TriggerFunctionName); "" if it has none.
	TriggerKey string
}

// LoadHostConfig reads host.json in dir (the app root, which the host
// makes the handler's working directory), and the trigger key from the
// names of the function folders whose trigger is not an httpTrigger. It
// fails if such a folder has no well-formed key, or if two keys differ: the
// handler would otherwise answer a trigger at a path a public request can
// have. Without a host.json it returns the host's defaults: route prefix
// "api", no forwarding, no trigger key.
func LoadHostConfig(dir string) (HostConfig, error) {
	c := HostConfig{RoutePrefix: DefaultRoutePrefix}
	b, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("azurefunc: %w", err)
	}
	var hj hostjson.Host
	if err := json.Unmarshal(b, &hj); err != nil {
		return c, fmt.Errorf("azurefunc: host.json: %w", err)
	}
	c.RoutePrefix = hj.RoutePrefix()
	c.Forwarding = hj.Forwarding()
	c.TriggerKey, err = triggerKeyIn(dir)
	return c, err
}

// triggerKeyIn returns the trigger key of the non-HTTP function folders in
// dir.
func triggerKeyIn(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("azurefunc: %w", err)
	}
	var key string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "function.json"))
		if !e.IsDir() || err != nil {
			continue // not a function folder
		}
		var fj hostjson.Function
		if err := json.Unmarshal(b, &fj); err != nil {
			return "", fmt.Errorf("azurefunc: %s/function.json: %w", e.Name(), err)
		}
		if fj.IsHTTP() {
			continue
		}
		_, k, ok := SplitTriggerFunctionName(e.Name())
		switch {
		case !ok:
			return "", fmt.Errorf("azurefunc: function folder %q has a non-HTTP trigger but no trigger key in its name, so a public request to /%s would reach it; rebuild the app with faas build --provider=azure", e.Name(), e.Name())
		case key != "" && k != key:
			return "", fmt.Errorf("azurefunc: function folders %q and %q carry different trigger keys; rebuild the app with faas build --provider=azure", e.Name(), TriggerFunctionName("…", key))
		}
		key = k
	}
	return key, nil
}
