package azurefunc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// HostConfig is the part of host.json the handler needs to know.
type HostConfig struct {
	RoutePrefix string // extensions.http.routePrefix
	Forwarding  bool   // customHandler.enableForwardingHttpRequest or enableProxyingHttpRequest
}

// LoadHostConfig reads host.json in dir (the app root, which the host
// makes the handler's working directory). Without a host.json it returns
// the host's defaults: route prefix "api", no forwarding.
func LoadHostConfig(dir string) (HostConfig, error) {
	c := HostConfig{RoutePrefix: DefaultRoutePrefix}
	b, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("azurefunc: %w", err)
	}
	var hj struct {
		CustomHandler struct {
			EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
			EnableProxyingHTTPRequest   bool `json:"enableProxyingHttpRequest"`
		} `json:"customHandler"`
		Extensions struct {
			HTTP struct {
				RoutePrefix *string `json:"routePrefix"`
			} `json:"http"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(b, &hj); err != nil {
		return c, fmt.Errorf("azurefunc: host.json: %w", err)
	}
	if p := hj.Extensions.HTTP.RoutePrefix; p != nil {
		c.RoutePrefix = *p
	}
	c.Forwarding = hj.CustomHandler.EnableForwardingHTTPRequest || hj.CustomHandler.EnableProxyingHTTPRequest
	return c, nil
}
