package hostjson

import (
	"encoding/json"
	"testing"
)

func TestHostDefaultsAndForwarding(t *testing.T) {
	for _, c := range []struct {
		json       string
		prefix     string
		forwarding bool
	}{
		{`{"version":"2.0"}`, "api", false},
		{`{"version":"2.0","extensions":{"http":{"routePrefix":""}}}`, "", false},
		{`{"customHandler":{"enableForwardingHttpRequest":true},"extensions":{"http":{"routePrefix":"v1"}}}`, "v1", true},
		{`{"customHandler":{"enableProxyingHttpRequest":true}}`, "api", true},
	} {
		var h Host
		if err := json.Unmarshal([]byte(c.json), &h); err != nil {
			t.Fatal(err)
		}
		if h.RoutePrefix() != c.prefix || h.Forwarding() != c.forwarding {
			t.Errorf("%s: prefix %q forwarding %v; want %q %v", c.json, h.RoutePrefix(), h.Forwarding(), c.prefix, c.forwarding)
		}
	}
}

func TestFunctionShapes(t *testing.T) {
	for _, c := range []struct {
		json           string
		trigger        string
		http, pureHTTP bool
	}{
		{`{"bindings":[{"type":"httpTrigger","direction":"in","name":"req"},{"type":"http","direction":"out","name":"res"}]}`, "httpTrigger", true, true},
		{`{"bindings":[{"type":"http","direction":"out","name":"res"},{"type":"httpTrigger","direction":"in","name":"req"}]}`, "httpTrigger", true, true},
		{`{"bindings":[{"type":"serviceBusTrigger","direction":"in","name":"msg"}]}`, "serviceBusTrigger", false, false},
		{`{"bindings":[{"type":"timerTrigger","direction":"in","name":"t"},{"type":"http","direction":"out","name":"res"}]}`, "timerTrigger", false, false},
		{`{"bindings":[]}`, "", false, false},
	} {
		var f Function
		if err := json.Unmarshal([]byte(c.json), &f); err != nil {
			t.Fatal(err)
		}
		tr, _ := f.Trigger()
		if tr.Type != c.trigger || f.IsHTTP() != c.http || f.PureHTTP() != c.pureHTTP {
			t.Errorf("%s: trigger %q http %v pure %v; want %q %v %v", c.json, tr.Type, f.IsHTTP(), f.PureHTTP(), c.trigger, c.http, c.pureHTTP)
		}
	}
}
