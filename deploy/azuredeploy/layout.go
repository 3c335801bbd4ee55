package azuredeploy

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/providers/azurefunc/hostjson"
	"github.com/faaskit/faas/sdk"
)

// HandlerName is the handler executable's path in the package, relative to
// the app root (host.json customHandler.description.defaultExecutablePath).
const HandlerName = "handler"

// DefaultServiceBusConnection is the app-setting prefix the Service Bus
// triggers connect with (ServiceBusConnection__fullyQualifiedNamespace for
// managed identity, or ServiceBusConnection as a connection string).
const DefaultServiceBusConnection = "ServiceBusConnection"

// The host.json and function.json model is package hostjson's, shared
// with the handler and the local Functions host.
type (
	// HostJSON is the generated host.json (contracts C1).
	HostJSON = hostjson.Host
	// FunctionJSON is one function's function.json (contracts C3).
	FunctionJSON = hostjson.Function
	// Binding is one entry of function.json's bindings.
	Binding = hostjson.Binding
)

// Layout is the package's JSON content, before the binary is added.
type Layout struct {
	Host      HostJSON
	Functions map[string]FunctionJSON // by sdk function name
	Order     []string                // sdk function names in manifest order
	// TriggerKey is the random key in the Azure names of the message,
	// blob and schedule functions (azurefunc.TriggerFunctionName), new for
	// every layout: the host delivers those triggers at /<Azure name>, a
	// path no public request can then guess. Keep app.zip private. A
	// deployer that wants the Azure names to survive a redeploy sets it to
	// the live app's key (azurefunc.SplitTriggerFunctionName of a deployed
	// function's name) before calling Files.
	TriggerKey string
}

// Folder returns the Azure function (folder) name of the sdk function
// name: the name itself for an HTTP function, the keyed name for the
// others. Event Grid subscriptions and the admin API address functions by
// this name.
func (l *Layout) Folder(name string) string {
	if fj, ok := l.Functions[name]; ok && len(fj.Bindings) > 0 && fj.Bindings[0].Type != "httpTrigger" {
		return azurefunc.TriggerFunctionName(name, l.TriggerKey)
	}
	return name
}

// httpMethods are all the methods an HTTP function accepts.
var httpMethods = []string{"get", "post", "put", "patch", "delete", "head", "options"}

// NewLayout maps a manifest to host.json and one function.json per
// function. It reports every function Azure cannot host, at build time.
func NewLayout(m *sdk.Manifest, opts *Options) (*Layout, error) {
	if opts == nil {
		opts = &Options{}
	}
	sbConnection := opts.ServiceBusConnection
	if sbConnection == "" {
		sbConnection = DefaultServiceBusConnection
	}
	prefix := strings.Trim(opts.RoutePrefix, "/")
	l := &Layout{Functions: map[string]FunctionJSON{}, TriggerKey: azurefunc.NewTriggerKey()}
	var maxTimeout time.Duration
	var errs []error
	f, t := false, true
	for _, fm := range m.Functions {
		if err := azurefunc.CheckFunctionName(fm.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if prefix != "" && strings.EqualFold(fm.Name, prefix) {
			errs = append(errs, fmt.Errorf("azuredeploy: function %q: the name collides with the HTTP route prefix /%s; rename the function", fm.Name, prefix))
			continue
		}
		maxTimeout = max(maxTimeout, fm.Timeout)
		var fj FunctionJSON
		switch fm.Kind {
		case sdk.KindHTTP:
			route, err := azurefunc.Route(fm.HTTP.Path)
			if err != nil {
				errs = append(errs, fmt.Errorf("azuredeploy: function %q: %w", fm.Name, err))
				continue
			}
			if first, _, _ := strings.Cut(route, "/"); prefix == "" && (strings.EqualFold(first, "admin") || strings.EqualFold(first, "runtime")) {
				errs = append(errs, fmt.Errorf("azuredeploy: function %q: path %q: /admin and /runtime belong to the Functions host; choose another path or set a route prefix", fm.Name, fm.HTTP.Path))
				continue
			}
			fj.Bindings = []Binding{
				{Type: "httpTrigger", Direction: "in", Name: azurefunc.BindingHTTPRequest, AuthLevel: "anonymous", Methods: httpMethods, Route: route},
				{Type: "http", Direction: "out", Name: azurefunc.BindingHTTPResponse},
			}
		case sdk.KindMessage:
			fj.Bindings = []Binding{{Type: "serviceBusTrigger", Direction: "in", Name: azurefunc.BindingMessage, DataType: "binary",
				TopicName: fm.Message.Topic, SubscriptionName: fm.Name, Connection: sbConnection, IsSessionsEnabled: &f, Cardinality: "one"}}
		case sdk.KindBlob:
			fj.Bindings = []Binding{{Type: "eventGridTrigger", Direction: "in", Name: azurefunc.BindingEvent}}
		case sdk.KindSchedule:
			cron, err := azurefunc.NCRONTAB(sdk.Schedule{Expr: fm.Schedule.Expr, Cron: fm.Schedule.Cron, Every: fm.Schedule.Every})
			if err != nil {
				errs = append(errs, fmt.Errorf("azuredeploy: function %q: %w", fm.Name, err))
				continue
			}
			fj.Bindings = []Binding{{Type: "timerTrigger", Direction: "in", Name: azurefunc.BindingTimer, Schedule: cron, RunOnStartup: &f, UseMonitor: &t}}
		default:
			errs = append(errs, fmt.Errorf("azuredeploy: function %q: unknown kind %q", fm.Name, fm.Kind))
			continue
		}
		l.Functions[fm.Name] = fj
		l.Order = append(l.Order, fm.Name)
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	l.Host = HostJSON{
		Version:         "2.0",
		FunctionTimeout: timeoutString(maxTimeout + hostTimeoutMargin),
		ExtensionBundle: &hostjson.ExtensionBundle{ID: "Microsoft.Azure.Functions.ExtensionBundle", Version: "[4.*, 5.0.0)"},
		CustomHandler: &hostjson.CustomHandler{
			Description:                 hostjson.Description{DefaultExecutablePath: HandlerName, Arguments: []string{}},
			EnableForwardingHTTPRequest: true,
		},
		Extensions: hostjson.Extensions{HTTP: hostjson.HTTP{RoutePrefix: &prefix}},
	}
	return l, nil
}

// hostTimeoutMargin is added to the longest function timeout to get
// host.json functionTimeout. The shim enforces each function's own
// timeout through the context deadline; the host's limit is the hard stop,
// and reaching it restarts the handler process, so it sits a minute later
// to give handlers that honour their deadline time to return.
const hostTimeoutMargin = time.Minute

// timeoutString renders d as host.json's hh:mm:ss, rounded up to a second;
// "" (the plan's default) for zero.
func timeoutString(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	s := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// Files renders the layout as package paths to JSON content.
func (l *Layout) Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	b, err := json.MarshalIndent(l.Host, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: host.json: %w", err)
	}
	out["host.json"] = append(b, '\n')
	for _, name := range l.Order {
		b, err := json.MarshalIndent(l.Functions[name], "", "  ")
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: %s/function.json: %w", name, err)
		}
		out[l.Folder(name)+"/function.json"] = append(b, '\n')
	}
	return out, nil
}
