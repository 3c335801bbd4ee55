package appbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	cases := []struct {
		dir     string
		wantErr string
	}{
		{"../../sdk/providertest/capp", ""},
		{"testdata/noapp", "does not declare func App() *sdk.App"},
		{"testdata/mainpkg", "is package main"},
		{"testdata/missing", "is not a directory"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			p, err := Inspect(t.Context(), c.dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Inspect(%s) = %v; want error containing %q", c.dir, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ImportPath != "github.com/faaskit/faas/sdk/providertest/capp" || p.Name != "capp" {
				t.Errorf("Inspect = %+v", p)
			}
		})
	}
}

// TestBuild builds the conformance app with fmt.Println as a stand-in entry
// point (it accepts the constructor like a provider would) and runs it.
func TestBuild(t *testing.T) {
	p, err := Inspect(t.Context(), "../../sdk/providertest/capp")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "app")
	if err := Build(t.Context(), p, Entry{Import: "fmt", Func: "Println"}, out, &Options{Trim: true, Env: []string{"CGO_ENABLED=0"}}); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(out).Output()
	if err != nil {
		t.Fatalf("running the built app: %v", err)
	}
	if !strings.HasPrefix(string(b), "0x") {
		t.Errorf("built app printed %q; want the App function's address", b)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "zz_faas_main")); !os.IsNotExist(err) {
		t.Errorf("the build left zz_faas_main in the source tree")
	}
}

func TestReadManifest(t *testing.T) {
	p, err := Inspect(t.Context(), "../../sdk/providertest/capp")
	if err != nil {
		t.Fatal(err)
	}
	m, appErr, err := ReadManifest(t.Context(), p)
	if err != nil || appErr != "" {
		t.Fatalf("ReadManifest: %v, app error %q", err, appErr)
	}
	if m.App != "conformance" || len(m.Functions) != 4 || len(m.Resources) != 3 {
		t.Errorf("manifest %+v; want the conformance app's 4 functions and 3 resources", m)
	}
}

// TestBuildWrap checks that Options.Wrap sits between the app constructor
// and the entry point: the wrapper runs when the entry point builds the app.
func TestBuildWrap(t *testing.T) {
	p, err := Inspect(t.Context(), "../../sdk/providertest/capp")
	if err != nil {
		t.Fatal(err)
	}
	const td = "github.com/faaskit/faas/deploy/appbuild/testdata/"
	out := filepath.Join(t.TempDir(), "app")
	opts := &Options{Wrap: &Entry{Import: td + "wrapper", Func: "Announce"}}
	if err := Build(t.Context(), p, Entry{Import: td + "entry", Func: "Run"}, out, opts); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(out).Output()
	if err != nil {
		t.Fatalf("running the built app: %v", err)
	}
	if got, want := string(b), "wrapped\napp conformance\n"; got != want {
		t.Errorf("built app printed %q; want %q", got, want)
	}
}
