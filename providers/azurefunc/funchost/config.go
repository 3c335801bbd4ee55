package funchost

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faaskit/faas/providers/azurefunc/hostjson"
)

// route is one HTTP function's public route: literal segments, optionally
// followed by a {*catchall}.
type route struct {
	function string
	literal  []string
	catchAll bool
	methods  []string
}

// load reads host.json and every <function>/function.json.
func (h *Host) load() error {
	b, err := os.ReadFile(filepath.Join(h.dir, "host.json"))
	if err != nil {
		return fmt.Errorf("funchost: the zip has no host.json at its root: %w", err)
	}
	if err := json.Unmarshal(b, &h.cfg); err != nil {
		return fmt.Errorf("funchost: host.json: %w", err)
	}
	if h.cfg.Version != "2.0" {
		return fmt.Errorf("funchost: host.json version %q; want \"2.0\"", h.cfg.Version)
	}
	if h.cfg.CustomHandler == nil || h.cfg.CustomHandler.Description.DefaultExecutablePath == "" {
		return fmt.Errorf("funchost: host.json has no customHandler.description.defaultExecutablePath")
	}
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		return fmt.Errorf("funchost: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(h.dir, e.Name(), "function.json"))
		if err != nil {
			continue // not a function folder
		}
		var fj hostjson.Function
		if err := json.Unmarshal(b, &fj); err != nil {
			return fmt.Errorf("funchost: %s/function.json: %w", e.Name(), err)
		}
		t, ok := fj.Trigger()
		if !ok {
			return fmt.Errorf("funchost: %s/function.json has no trigger binding", e.Name())
		}
		h.funcs[e.Name()] = fj
		if t.Type == "httpTrigger" {
			h.routes = append(h.routes, parseRoute(e.Name(), t))
		}
	}
	if len(h.funcs) == 0 {
		return fmt.Errorf("funchost: the zip has no <function>/function.json")
	}
	// Most literal segments first, as ASP.NET routing prefers literals.
	slices.SortStableFunc(h.routes, func(a, b route) int { return len(b.literal) - len(a.literal) })
	return nil
}

func parseRoute(function string, t hostjson.Binding) route {
	r := route{function: function, methods: t.Methods}
	tmpl := t.Route
	if tmpl == "" {
		tmpl = function
	}
	for _, seg := range strings.Split(strings.Trim(tmpl, "/"), "/") {
		if strings.HasPrefix(seg, "{*") {
			r.catchAll = true
			break
		}
		if seg != "" {
			r.literal = append(r.literal, seg)
		}
	}
	return r
}

// routePrefix is host.json's extensions.http.routePrefix ("api" by default).
func (h *Host) routePrefix() string {
	if p := h.cfg.Extensions.HTTP.RoutePrefix; p != nil {
		return strings.Trim(*p, "/")
	}
	return "api"
}

// match finds the HTTP function for a public path.
func (h *Host) match(path, method string) (string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	if p := h.routePrefix(); p != "" {
		if len(segs) == 0 || !strings.EqualFold(segs[0], p) {
			return "", false
		}
		segs = segs[1:]
	}
	for _, r := range h.routes {
		if len(segs) < len(r.literal) || (!r.catchAll && len(segs) != len(r.literal)) {
			continue
		}
		ok := true
		for i, l := range r.literal {
			if !strings.EqualFold(segs[i], l) {
				ok = false
				break
			}
		}
		if ok && (len(r.methods) == 0 || slices.Contains(r.methods, strings.ToLower(method))) {
			return r.function, true
		}
	}
	return "", false
}

func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
