package gcfhost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faaskit/faas/providers/local"
)

// Host is what faas dev --emulate=gcp dispatches through.
var _ local.Dispatcher = (*Host)(nil)

// TestDetectPackage checks the buildpack's package detection rules that
// bundles must satisfy (contracts.md B3, E11).
func TestDetectPackage(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		want    string
		wantErr string
	}{
		{"one package", map[string]string{"a.go": "package function\nimport _ \"x/y\"\n", "b.go": "package function\n"}, "function", ""},
		{"external test package", map[string]string{"a.go": "package function\n", "a_test.go": "package function_test\n"}, "", "multiple packages"},
		{"build-constrained file still parsed", map[string]string{"a.go": "package function\n", "z.go": "//go:build ignore\n\npackage other\n"}, "", "multiple packages"},
		{"main", map[string]string{"main.go": "package main\n"}, "", "package is main"},
		{"no Go files", map[string]string{"README.md": "hi"}, "", "unable to find Go package"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, imports, err := detectPackage(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v; want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("detectPackage = %q, %v; want %q", got, err, c.want)
			}
			if len(imports) != 1 || imports[0] != "x/y" {
				t.Errorf("imports = %v; want [x/y]", imports)
			}
		})
	}
}
