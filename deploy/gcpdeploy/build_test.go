package gcpdeploy

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// TestBundleObeysBuildpackRules builds the conformance app and checks the
// bundle against the Go buildpack's rules (contracts.md B3).
func TestBundleObeysBuildpackRules(t *testing.T) {
	out := t.TempDir()
	var progress bytes.Buffer
	res, err := Build(t.Context(), "../../sdk/providertest/capp", out, &Options{Progress: &progress})
	if err != nil {
		t.Fatalf("Build: %v\nprogress:\n%s", err, progress.String())
	}
	zr, err := zip.OpenReader(filepath.Join(out, BundleFile))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
		if strings.HasSuffix(f.Name, "_test.go") {
			t.Errorf("bundle contains test file %s", f.Name)
		}
		if f.Mode().Perm()&0o200 == 0 {
			t.Errorf("%s is not writable (the buildpack needs a writable go.mod)", f.Name)
		}
	}
	gomod := read(t, files["go.mod"])
	if m := regexp.MustCompile(`(?m)^module (\S+)`).FindStringSubmatch(gomod); m == nil || !strings.Contains(strings.Split(m[1], "/")[0], ".") {
		t.Errorf("go.mod module path %v: want a dot in the first element", m)
	}
	if m := regexp.MustCompile(`(?m)^go (1\.(\d+)\S*)`).FindStringSubmatch(gomod); m == nil || m[2] > "26" {
		t.Errorf("go directive %v: want one the go126 runtime accepts", m)
	}
	if strings.Contains(gomod, "=> /") || strings.Contains(read(t, files["vendor/modules.txt"]), "=> /") {
		t.Error("go.mod or vendor/modules.txt points at an absolute path outside the bundle")
	}
	// One non-main package at the root, parsed like the buildpack does.
	fset := token.NewFileSet()
	pkgs := map[string]bool{}
	imports := map[string]bool{}
	for name, f := range files {
		if strings.Contains(name, "/") || !strings.HasSuffix(name, ".go") {
			continue
		}
		pf, err := parser.ParseFile(fset, name, read(t, f), parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		pkgs[pf.Name.Name] = true
		for _, imp := range pf.Imports {
			imports[strings.Trim(imp.Path.Value, `"`)] = true
		}
	}
	if len(pkgs) != 1 || pkgs["main"] {
		t.Errorf("root packages %v; want exactly one, not main", pkgs)
	}
	if !imports[ffModule+"/functions"] || !imports["github.com/faaskit/faas/providers/gcf"] {
		t.Errorf("root imports %v; want the framework's functions package and the gcf shim", imports)
	}
	for _, dir := range []string{"vendor/" + ffModule + "/funcframework/", "vendor/github.com/faaskit/faas/sdk/", "vendor/github.com/faaskit/faas/sdk/providertest/capp/", "vendor/gocloud.dev/blob/gcsblob/"} {
		found := false
		for name := range files {
			found = found || strings.HasPrefix(name, dir)
		}
		if !found {
			t.Errorf("bundle lacks %s", dir)
		}
	}
	// Entry points and manifests.
	var dep Deployment
	data, err := os.ReadFile(filepath.Join(out, "gcp.json"))
	if err != nil || json.Unmarshal(data, &dep) != nil {
		t.Fatalf("gcp.json: %v %s", err, data)
	}
	want := map[string]gcf.Signature{"web": gcf.SignatureHTTP, "msg": gcf.SignatureCloudEvent, "blobs": gcf.SignatureCloudEvent, "tick": gcf.SignatureHTTP}
	for _, f := range dep.Functions {
		if want[f.Name] != f.Signature || f.EntryPoint != f.Name {
			t.Errorf("function %+v; want signature %s and entry point = name", f, want[f.Name])
		}
		delete(want, f.Name)
	}
	if len(want) != 0 || dep.Runtime != Runtime {
		t.Errorf("gcp.json missing %v, runtime %q", want, dep.Runtime)
	}
	var m sdk.Manifest
	data, _ = os.ReadFile(filepath.Join(out, "manifest.json"))
	if err := json.Unmarshal(data, &m); err != nil || m.App != "conformance" || len(m.Functions) != 4 {
		t.Errorf("manifest.json: %v %+v", err, m)
	}
	if summary := strings.Join(res.Summary, "\n"); !strings.Contains(summary, "web") || !strings.Contains(summary, "cloudevent") {
		t.Errorf("summary does not list the entry points:\n%s", summary)
	}

	// Building again gives the same bytes, so an unchanged app is not redeployed.
	first, _ := os.ReadFile(filepath.Join(out, BundleFile))
	out2 := t.TempDir()
	if _, err := Build(t.Context(), "../../sdk/providertest/capp", out2, &Options{SkipCompile: true}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(out2, BundleFile))
	if !bytes.Equal(first, second) {
		t.Error("two builds of the same sources differ")
	}
}

func read(t *testing.T, f *zip.File) string {
	t.Helper()
	if f == nil {
		t.Fatal("file missing from the bundle")
	}
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}
