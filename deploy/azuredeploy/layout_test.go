package azuredeploy_test

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

// bindingFields lists, per binding type, the function.json properties the
// Azure docs define (contracts.md C3; function.json reference and the
// trigger reference pages), and which of them must be present. Anything
// else in a generated binding is an error: the host ignores unknown keys
// silently, so a typo would only show up in production.
var bindingFields = map[string]struct {
	required, optional []string
	direction          string
}{
	"httpTrigger":       {[]string{"type", "direction", "name", "authLevel", "route"}, []string{"methods", "dataType"}, "in"},
	"http":              {[]string{"type", "direction", "name"}, nil, "out"},
	"serviceBusTrigger": {[]string{"type", "direction", "name", "topicName", "subscriptionName", "connection"}, []string{"dataType", "isSessionsEnabled", "cardinality"}, "in"},
	"eventGridTrigger":  {[]string{"type", "direction", "name"}, []string{"dataType"}, "in"},
	"timerTrigger":      {[]string{"type", "direction", "name", "schedule"}, []string{"runOnStartup", "useMonitor"}, "in"},
}

var (
	functionNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_\-]{0,127}$`)
	ncrontabRE     = regexp.MustCompile(`^(\S+ ){5}\S+$`)
	timeSpanRE     = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}$`)
	methodsOK      = []string{"get", "post", "put", "patch", "delete", "head", "options", "trace"}
)

func files(t *testing.T, m *sdk.Manifest, opts *azuredeploy.Options) map[string][]byte {
	t.Helper()
	l, err := azuredeploy.NewLayout(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.Files()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestHostJSONDocumentedFields(t *testing.T) {
	for _, prefix := range []string{"", "api"} {
		f := files(t, capp.App().Manifest(), &azuredeploy.Options{RoutePrefix: prefix})
		var h map[string]any
		if err := json.Unmarshal(f["host.json"], &h); err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			path string
			ok   func(any) bool
		}{
			{"version", func(v any) bool { return v == "2.0" }},
			{"functionTimeout", func(v any) bool { s, _ := v.(string); return timeSpanRE.MatchString(s) }},
			{"extensionBundle.id", func(v any) bool { return v == "Microsoft.Azure.Functions.ExtensionBundle" }},
			{"extensionBundle.version", func(v any) bool { return v == "[4.*, 5.0.0)" }},
			{"customHandler.description.defaultExecutablePath", func(v any) bool { return v == "handler" }},
			{"customHandler.description.workingDirectory", func(v any) bool { return v == "" }},
			{"customHandler.description.arguments", func(v any) bool { a, ok := v.([]any); return ok && len(a) == 0 }},
			{"customHandler.enableForwardingHttpRequest", func(v any) bool { return v == true }},
			{"extensions.http.routePrefix", func(v any) bool { return v == prefix }},
		}
		for _, c := range checks {
			v, ok := lookup(h, c.path)
			if !ok || !c.ok(v) {
				t.Errorf("prefix %q: host.json %s = %#v (present %v)", prefix, c.path, v, ok)
			}
		}
		allowedTop := []string{"version", "functionTimeout", "extensionBundle", "customHandler", "extensions"}
		for k := range h {
			if !slices.Contains(allowedTop, k) {
				t.Errorf("host.json has unexpected key %q", k)
			}
		}
	}
}

func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func TestFunctionJSONDocumentedFields(t *testing.T) {
	m := capp.App().Manifest()
	f := files(t, m, nil)
	wantTrigger := map[string]string{capp.HTTPFunction: "httpTrigger", capp.MessageFunction: "serviceBusTrigger", capp.BlobFunction: "eventGridTrigger", capp.ScheduleFunction: "timerTrigger"}
	var folders []string
	dirOf := map[string]string{} // sdk name → folder
	for name := range f {
		if dir, ok := strings.CutSuffix(name, "/function.json"); ok {
			fn := dir
			if n, _, keyed := azurefunc.SplitTriggerFunctionName(dir); keyed {
				fn = n
			}
			folders = append(folders, fn)
			dirOf[fn] = dir
		}
	}
	slices.Sort(folders)
	if want := slices.Sorted(maps.Keys(wantTrigger)); !slices.Equal(folders, want) {
		t.Fatalf("function folders %v; want one per function %v", folders, want)
	}
	for _, fn := range folders {
		dir := dirOf[fn]
		if !functionNameRE.MatchString(dir) {
			t.Errorf("folder %q is not a valid Azure function name", dir)
		}
		// Only HTTP functions keep their plain name: the host delivers a
		// trigger at /<folder>, where it also forwards public requests.
		if keyed := dir != fn; keyed != (wantTrigger[fn] != "httpTrigger") {
			t.Errorf("folder %q for a %s: keyed %v; want a trigger key exactly for non-HTTP functions", dir, wantTrigger[fn], keyed)
		}
		var fj struct{ Bindings []map[string]any }
		if err := json.Unmarshal(f[dir+"/function.json"], &fj); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if len(fj.Bindings) == 0 || fj.Bindings[0]["type"] != wantTrigger[fn] {
			t.Errorf("%s: first binding %v; want a %s", fn, fj.Bindings, wantTrigger[fn])
		}
		for _, b := range fj.Bindings {
			typ, _ := b["type"].(string)
			spec, ok := bindingFields[typ]
			if !ok {
				t.Errorf("%s: binding type %q is not one faas documents", fn, typ)
				continue
			}
			for _, k := range spec.required {
				if s, ok := b[k].(string); !ok || s == "" && k != "route" {
					t.Errorf("%s: %s binding lacks %q: %v", fn, typ, k, b)
				}
			}
			for k := range b {
				if !slices.Contains(spec.required, k) && !slices.Contains(spec.optional, k) {
					t.Errorf("%s: %s binding has undocumented property %q", fn, typ, k)
				}
			}
			if b["direction"] != spec.direction {
				t.Errorf("%s: %s direction %v; want %s", fn, typ, b["direction"], spec.direction)
			}
			if dt, ok := b["dataType"]; ok && dt != "binary" && dt != "string" && dt != "stream" {
				t.Errorf("%s: dataType %v", fn, dt)
			}
			switch typ {
			case "httpTrigger":
				if b["authLevel"] != "anonymous" || b["route"] != "{*path}" {
					t.Errorf("%s: %v; want anonymous catch-all route", fn, b)
				}
				for _, mth := range b["methods"].([]any) {
					if !slices.Contains(methodsOK, mth.(string)) {
						t.Errorf("%s: method %v", fn, mth)
					}
				}
			case "serviceBusTrigger":
				if b["topicName"] != capp.InboxTopic || b["subscriptionName"] != fn || b["dataType"] != "binary" {
					t.Errorf("%s: %v; want topic %q, subscription %q, dataType binary", fn, b, capp.InboxTopic, fn)
				}
			case "timerTrigger":
				if s := b["schedule"].(string); !ncrontabRE.MatchString(s) || s != "0 */5 * * * *" {
					t.Errorf("%s: schedule %q; want six-field NCRONTAB 0 */5 * * * *", fn, s)
				}
			}
		}
	}
}

func TestLayoutRejects(t *testing.T) {
	noop := func(name string) *sdk.App { return sdk.New(name, nil) }
	cases := []struct {
		name   string
		app    func() *sdk.App
		prefix string
		want   string
	}{
		{"rate not expressible", func() *sdk.App {
			a := noop("a")
			a.Schedule("s", "rate(7 minutes)", func(ctxAny, *sdk.ScheduleEvent) error { return nil }, nil)
			return a
		}, "", "cannot fire every 7m0s"},
		{"host route", func() *sdk.App {
			a := noop("a")
			a.HTTP("h", nopHandler{}, &sdk.HTTPOptions{Path: "/admin"})
			return a
		}, "", "/admin and /runtime belong to the Functions host"},
		{"name is the prefix", func() *sdk.App {
			a := noop("a")
			a.HTTP("api", nopHandler{}, nil)
			return a
		}, "api", "collides with the HTTP route prefix"},
	}
	for _, c := range cases {
		_, err := azuredeploy.NewLayout(c.app().Manifest(), &azuredeploy.Options{RoutePrefix: c.prefix})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v; want %q", c.name, err, c.want)
		}
	}
}

// TestTriggerKey: every layout gets a new well-formed key, and a pinned
// key names the non-HTTP folders (so a deployer can keep their names).
func TestTriggerKey(t *testing.T) {
	m := capp.App().Manifest()
	a, err := azuredeploy.NewLayout(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := azuredeploy.NewLayout(m, nil)
	if azurefunc.CheckTriggerKey(a.TriggerKey) != nil || a.TriggerKey == b.TriggerKey {
		t.Errorf("keys %q and %q; want two different well-formed keys", a.TriggerKey, b.TriggerKey)
	}
	const pinned = "00112233445566778899aabbccddeeff"
	a.TriggerKey = pinned
	f, err := a.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"web/function.json", "msg_" + pinned + "/function.json", "tick_" + pinned + "/function.json", "blobs_" + pinned + "/function.json"} {
		if _, ok := f[want]; !ok {
			t.Errorf("no %s in %v", want, slices.Sorted(maps.Keys(f)))
		}
	}
}
