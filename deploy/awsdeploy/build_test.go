package awsdeploy

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden are import-path prefixes of other clouds' code.
//
// gocloud.dev's portable core (internal/gcerr, internal/retry, pubsub)
// imports gax-go and grpc/codes, which bring google.golang.org/api/googleapi
// (the generic API error type) and its uritemplates helper: every gocloud
// app links them, whatever its cloud, so they are allowed. Google Cloud
// clients (cloud.google.com/go/..., google.golang.org/api/option,
// .../transport, .../storage, ...) and gocloud's GCP drivers are not.
var forbidden = []string{
	"cloud.google.com/", "github.com/GoogleCloudPlatform/",
	"google.golang.org/api/option", "google.golang.org/api/transport", "google.golang.org/api/storage",
	"google.golang.org/api/iamcredentials", "google.golang.org/api/pubsub", "golang.org/x/oauth2/google",
	"github.com/Azure/", "github.com/AzureAD/",
	"gocloud.dev/blob/gcsblob", "gocloud.dev/blob/azureblob", "gocloud.dev/gcp", "gocloud.dev/azure",
	"gocloud.dev/pubsub/gcppubsub", "gocloud.dev/pubsub/azuresb", "gocloud.dev/docstore/gcpfirestore",
	"modernc.org/sqlite", // the local provider's store
}

func TestBuild(t *testing.T) {
	out := t.TempDir()
	var progress bytes.Buffer
	res, err := Build(t.Context(), "../../sdk/providertest/capp", out, &Options{Arch: "amd64", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || !strings.HasSuffix(res.Files[0], ZipName) || !strings.HasSuffix(res.Files[1], ManifestName) {
		t.Errorf("Files = %v", res.Files)
	}
	if !strings.Contains(res.Summary[0], "bootstrap.zip") || !strings.Contains(res.Summary[0], "iB") || !strings.Contains(res.Summary[0], "x86_64") {
		t.Errorf("summary %q does not give the zip size and architecture", res.Summary[0])
	}
	if !strings.Contains(progress.String(), "compiling bootstrap for linux/amd64") {
		t.Errorf("progress = %q", progress.String())
	}

	// manifest.json is the app's manifest.
	var m struct {
		App       string
		Functions []struct{ Name string }
	}
	data, err := os.ReadFile(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil || m.App != "conformance" || len(m.Functions) != 4 {
		t.Errorf("manifest.json = %s (%v); want the conformance app's 4 functions", data, err)
	}

	// The zip holds exactly one entry, "bootstrap", mode 0755.
	zr, err := zip.OpenReader(filepath.Join(out, ZipName))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip entries: %v; want just bootstrap", zr.File)
	}
	zf := zr.File[0]
	if zf.Mode().Perm() != 0o755 || zf.CreatorVersion>>8 != 3 {
		t.Errorf("bootstrap mode %v, creator OS %d; want 0755 from Unix (3)", zf.Mode(), zf.CreatorVersion>>8)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	rc, err := zf.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	checkStatic(t, bin)
	checkNoOtherClouds(t, bin)

	// Outside Lambda the bootstrap says so and exits 2.
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	msg, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(msg), "AWS_LAMBDA_RUNTIME_API is not set") {
		t.Errorf("bootstrap outside Lambda: %v, %q; want exit 2 and a clear message", err, msg)
	}
}

func TestBuildReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Build(t.Context(), "../../sdk/providertest/capp", dir, &Options{Arch: "arm64"}); err != nil {
			t.Fatal(err)
		}
	}
	za, _ := os.ReadFile(filepath.Join(a, ZipName))
	zb, _ := os.ReadFile(filepath.Join(b, ZipName))
	if !bytes.Equal(za, zb) {
		t.Error("two builds of the same source gave different zips")
	}
	f, err := zip.OpenReader(filepath.Join(a, ZipName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, _ := f.File[0].Open()
	data, _ := io.ReadAll(rc)
	rc.Close()
	e, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if e.Machine != elf.EM_AARCH64 {
		t.Errorf("default architecture built %v; want arm64", e.Machine)
	}
}

func TestBuildBadArch(t *testing.T) {
	if _, err := Build(t.Context(), "../../sdk/providertest/capp", t.TempDir(), &Options{Arch: "mips"}); err == nil || !strings.Contains(err.Error(), "arm64 or amd64") {
		t.Errorf("Build(mips) = %v", err)
	}
}

// checkStatic asserts that bin has no program interpreter and needs no
// shared libraries.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("bootstrap has a %v program header; want a static binary", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("bootstrap needs shared libraries %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Error("bootstrap is not stripped (has .symtab)")
	}
}

// checkNoOtherClouds reads the modules recorded in the build info and
// every function name in the pclntab (present even in stripped binaries).
func checkNoOtherClouds(t *testing.T, bin string) {
	t.Helper()
	l := readLinkage(t, bin)
	for _, m := range l.modules {
		for _, p := range forbidden {
			if strings.HasPrefix(m, strings.TrimSuffix(p, "/")) && strings.HasSuffix(p, "/") {
				t.Errorf("bootstrap links module %s", m)
			}
		}
	}
	var tags bool
	for _, s := range l.settings {
		if s.Key == "-tags" && strings.Contains(s.Value, "lambda.norpc") {
			tags = true
		}
		if s.Key == "CGO_ENABLED" && s.Value != "0" {
			t.Errorf("CGO_ENABLED=%s", s.Value)
		}
		if strings.HasPrefix(s.Key, "vcs") {
			t.Errorf("build info has %s; want -buildvcs=false", s.Key)
		}
	}
	if !tags {
		t.Errorf("build settings %v lack -tags lambda.norpc", l.settings)
	}
	for _, name := range l.funcs {
		for _, p := range forbidden {
			if strings.HasPrefix(name, p) {
				t.Errorf("bootstrap contains %s", name)
				return
			}
		}
	}
	if !l.hasPackage("gocloud.dev/blob/s3blob") {
		t.Error("the symbol check found no gocloud.dev/blob/s3blob code; it is not reading the table")
	}
}
