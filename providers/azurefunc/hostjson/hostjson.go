// Package hostjson is the one model of an Azure Functions custom-handler
// app's configuration files, host.json and each function's function.json,
// shared by what writes them (deploy/azuredeploy), what reads them at run
// time (providers/azurefunc) and the local Functions host
// (providers/azurefunc/funchost). Only the fields faas uses are modelled.
package hostjson

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// DefaultRoutePrefix is the host's route prefix when host.json sets none.
const DefaultRoutePrefix = "api"

// Host is host.json.
type Host struct {
	Version         string           `json:"version"`
	FunctionTimeout string           `json:"functionTimeout,omitempty"`
	ExtensionBundle *ExtensionBundle `json:"extensionBundle,omitempty"`
	CustomHandler   *CustomHandler   `json:"customHandler,omitempty"`
	Extensions      Extensions       `json:"extensions"`
}

// ExtensionBundle selects the binding extensions (needed for every
// non-HTTP trigger; Flex Consumption wants [4.0.0, 5.0.0) or later).
type ExtensionBundle struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// CustomHandler is host.json's customHandler section.
type CustomHandler struct {
	Description                 Description `json:"description"`
	EnableForwardingHTTPRequest bool        `json:"enableForwardingHttpRequest"`
	// EnableProxyingHTTPRequest is the newer hosts' name for forwarding.
	EnableProxyingHTTPRequest bool `json:"enableProxyingHttpRequest,omitempty"`
}

// Description says how the host starts the handler.
type Description struct {
	DefaultExecutablePath string   `json:"defaultExecutablePath"`
	WorkingDirectory      string   `json:"workingDirectory"`
	Arguments             []string `json:"arguments"`
}

// Extensions is host.json's extensions section.
type Extensions struct {
	HTTP HTTP `json:"http"`
}

// HTTP is the http extension's settings.
type HTTP struct {
	// RoutePrefix is the public path prefix; nil means the host's
	// default, DefaultRoutePrefix.
	RoutePrefix *string `json:"routePrefix,omitempty"`
}

// RoutePrefix returns the route prefix in effect.
func (h *Host) RoutePrefix() string {
	if p := h.Extensions.HTTP.RoutePrefix; p != nil {
		return *p
	}
	return DefaultRoutePrefix
}

// Forwarding reports whether the host forwards HTTP requests to the
// handler as they are (customHandler.enableForwardingHttpRequest, or
// enableProxyingHttpRequest on newer hosts).
func (h *Host) Forwarding() bool {
	return h.CustomHandler != nil && (h.CustomHandler.EnableForwardingHTTPRequest || h.CustomHandler.EnableProxyingHTTPRequest)
}

// Function is one function's function.json.
type Function struct {
	Bindings []Binding `json:"bindings"`
}

// Binding is one entry of function.json's bindings: the fields of the
// trigger kinds faas generates.
type Binding struct {
	Type      string `json:"type"`
	Direction string `json:"direction"`
	Name      string `json:"name"`
	DataType  string `json:"dataType,omitempty"`

	// httpTrigger
	AuthLevel string   `json:"authLevel,omitempty"`
	Methods   []string `json:"methods,omitempty"`
	Route     string   `json:"route,omitempty"`

	// serviceBusTrigger (topic subscription)
	TopicName         string `json:"topicName,omitempty"`
	SubscriptionName  string `json:"subscriptionName,omitempty"`
	Connection        string `json:"connection,omitempty"`
	IsSessionsEnabled *bool  `json:"isSessionsEnabled,omitempty"`
	Cardinality       string `json:"cardinality,omitempty"`

	// timerTrigger
	Schedule     string `json:"schedule,omitempty"`
	RunOnStartup *bool  `json:"runOnStartup,omitempty"`
	UseMonitor   *bool  `json:"useMonitor,omitempty"`
}

// Trigger returns the function's trigger binding.
func (f Function) Trigger() (Binding, bool) {
	for _, b := range f.Bindings {
		if b.Direction == "in" && strings.HasSuffix(b.Type, "Trigger") {
			return b, true
		}
	}
	return Binding{}, false
}

// IsHTTP reports whether the function has an httpTrigger.
func (f Function) IsHTTP() bool {
	for _, b := range f.Bindings {
		if b.Type == "httpTrigger" {
			return true
		}
	}
	return false
}

// PureHTTP reports whether the function has exactly one httpTrigger and
// one http output, the only shape the host forwards
// (FunctionMetadataExtensions.IsHttpInAndOutFunction).
func (f Function) PureHTTP() bool {
	return len(f.Bindings) == 2 && (f.Bindings[0].Type == "httpTrigger" && f.Bindings[1].Type == "http" ||
		f.Bindings[1].Type == "httpTrigger" && f.Bindings[0].Type == "http")
}

// ReadFunction reads a function.json file.
func ReadFunction(path string) (Function, error) {
	var f Function
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("hostjson: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("hostjson: %s: %w", path, err)
	}
	return f, nil
}
