package azuredeploy_test

import (
	"archive/zip"
	"context"
	"debug/elf"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/providers/azurefunc"
)

type ctxAny = context.Context

type nopHandler struct{}

func (nopHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// TestBuildCapp builds the conformance app and checks the zip: the JSON
// files at the documented places, the handler as a stripped linux/amd64
// ELF with mode 0755, and no other cloud linked in.
func TestBuildCapp(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out := t.TempDir()
	res, err := azuredeploy.Build(ctx, "../../sdk/providertest/capp", out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || filepath.Base(res.Files[0]) != "app.zip" || filepath.Base(res.Files[1]) != "manifest.json" {
		t.Errorf("Files = %v", res.Files)
	}
	if len(res.Summary) != 5 || !strings.Contains(res.Summary[4], `timer "0 */5 * * * *"`) {
		t.Errorf("Summary = %q", res.Summary)
	}
	zr, err := zip.OpenReader(filepath.Join(out, "app.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want := map[string]os.FileMode{
		"host.json": 0o644, "web/function.json": 0o644, "msg_KEY/function.json": 0o644,
		"blobs_KEY/function.json": 0o644, "tick_KEY/function.json": 0o644, "handler": 0o755,
	}
	for _, f := range zr.File {
		name := f.Name
		if dir, rest, ok := strings.Cut(name, "/"); ok {
			if fn, _, keyed := azurefunc.SplitTriggerFunctionName(dir); keyed {
				name = fn + "_KEY/" + rest
			}
		}
		mode, ok := want[name]
		if !ok {
			t.Errorf("unexpected zip entry %q", f.Name)
			continue
		}
		delete(want, name)
		if f.Mode().Perm() != mode || f.CreatorVersion>>8 != 3 { // 3 = Unix
			t.Errorf("%s: mode %v creator %d; want %v stored as a Unix mode", f.Name, f.Mode().Perm(), f.CreatorVersion>>8, mode)
		}
		if f.Name == "handler" {
			checkELF(t, f)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing zip entries %v", want)
	}
	bin := filepath.Join(t.TempDir(), "handler")
	extract(t, zr, "handler", bin)
	if err := azuredeploy.CheckNoForeignCloud(bin); err != nil {
		t.Error(err)
	}
}

func checkELF(t *testing.T, f *zip.File) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "h")
	rc, _ := f.Open()
	w, _ := os.Create(tmp)
	io.Copy(w, rc)
	rc.Close()
	w.Close()
	e, err := elf.Open(tmp)
	if err != nil {
		t.Fatalf("handler is not an ELF binary: %v", err)
	}
	defer e.Close()
	if e.Machine != elf.EM_X86_64 || e.OSABI != elf.ELFOSABI_NONE && e.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("handler machine %v ABI %v; want x86-64 Linux", e.Machine, e.OSABI)
	}
	if e.Section(".symtab") != nil {
		t.Error("handler has a symbol table; want it stripped (-s -w)")
	}
	if e.Section(".interp") != nil {
		t.Error("handler has an ELF interpreter; want a static CGO_ENABLED=0 binary")
	}
}

func extract(t *testing.T, zr *zip.ReadCloser, name, dst string) {
	t.Helper()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			w, err := os.Create(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			io.Copy(w, rc)
			return
		}
	}
	t.Fatalf("no %s in the zip", name)
}

// TestHandlerPackagesAzureOnly lists, with the handler's build settings,
// every package the generated main links (the azurefunc shim plus the
// app) and fails on any AWS or Google Cloud driver, SDK or client. This is
// the package-level twin of the module check Build runs on the binary.
func TestHandlerPackagesAzureOnly(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", azuredeploy.Entry.Import, "github.com/faaskit/faas/sdk/providertest/capp")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/aws/", "gocloud.dev/aws", "gocloud.dev/gcp", "gocloud.dev/blob/s3blob", "gocloud.dev/blob/gcsblob",
		"gocloud.dev/pubsub/awssnssqs", "gocloud.dev/pubsub/gcppubsub", "gocloud.dev/docstore/awsdynamodb",
		"gocloud.dev/docstore/gcpfirestore", "cloud.google.com/go/storage", "cloud.google.com/go/pubsub",
		"cloud.google.com/go/firestore", "github.com/GoogleCloudPlatform/",
	}
	var azure bool
	for _, p := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(p, f) {
				t.Errorf("the Azure handler links %s", p)
			}
		}
		azure = azure || p == "gocloud.dev/blob/azureblob"
	}
	if !azure {
		t.Error("the Azure handler does not link gocloud.dev/blob/azureblob")
	}
}
