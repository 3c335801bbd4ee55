package awsdeploy

import (
	"archive/zip"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/faaskit/faas/internal/ziputil"
	"github.com/faaskit/faas/sdk"
)

func TestDriverTags(t *testing.T) {
	res := func(kinds ...sdk.ResourceKind) *sdk.Manifest {
		m := &sdk.Manifest{App: "a"}
		for i, k := range kinds {
			m.Resources = append(m.Resources, sdk.ResourceManifest{Name: string(rune('a' + i)), Kind: k})
		}
		return m
	}
	cases := []struct {
		name string
		m    *sdk.Manifest
		want []string
	}{
		{"no resources", res(), []string{SelectTag}},
		{"bucket", res(sdk.KindBucket), []string{SelectTag, BlobTag}},
		{"collection", res(sdk.KindCollection), []string{SelectTag, DocstoreTag}},
		{"topic", res(sdk.KindTopic), []string{SelectTag, PubSubTag}},
		{"two buckets and a topic", res(sdk.KindTopic, sdk.KindBucket, sdk.KindBucket), []string{SelectTag, BlobTag, PubSubTag}},
		{"every kind", res(sdk.KindCollection, sdk.KindTopic, sdk.KindBucket), []string{SelectTag, BlobTag, DocstoreTag, PubSubTag}},
	}
	for _, c := range cases {
		if got := DriverTags(c.m); !slices.Equal(got, c.want) {
			t.Errorf("%s: DriverTags = %v; want %v", c.name, got, c.want)
		}
	}
}

// driver is one gocloud.dev driver of the shim: its package and the
// modules of the AWS service clients it brings.
type driver struct {
	pkg     string
	modules []string
}

var (
	s3Driver     = driver{"gocloud.dev/blob/s3blob", []string{"github.com/aws/aws-sdk-go-v2/service/s3"}}
	dynamoDriver = driver{"gocloud.dev/docstore/awsdynamodb/v2", []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb"}}
	snssqsDriver = driver{"gocloud.dev/pubsub/awssnssqs", []string{"github.com/aws/aws-sdk-go-v2/service/sns", "github.com/aws/aws-sdk-go-v2/service/sqs"}}
)

// unwanted are packages no bootstrap should link: gRPC's request tracing
// (golang.org/x/net/trace) and the templates it brings, which grpcnotrace
// leaves out, and the local runtime with its SQLite store.
var unwanted = []string{"golang.org/x/net/trace", "html/template", "text/template",
	"github.com/faaskit/faas/providers/local", "modernc.org/sqlite"}

// TestBuildLinksDeclaredDriversOnly builds apps with different resources
// and reads what each bootstrap links: the driver of every declared
// resource kind (package code and the service client's module), and
// nothing of the others.
func TestBuildLinksDeclaredDriversOnly(t *testing.T) {
	cases := []struct {
		app       string
		link, not []driver
	}{
		{"testdata/httponly", nil, []driver{s3Driver, dynamoDriver, snssqsDriver}},
		{"../../sdk/providertest/capp", []driver{s3Driver, snssqsDriver}, []driver{dynamoDriver}}, // buckets and a topic
		{"../../examples/todo", []driver{s3Driver, dynamoDriver, snssqsDriver}, nil},              // buckets, collections and a topic
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.app), func(t *testing.T) {
			res, err := Build(t.Context(), c.app, t.TempDir(), &Options{Arch: "amd64"})
			if err != nil {
				t.Fatal(err)
			}
			l := readLinkage(t, unzipBootstrap(t, res.Files[0]))
			for _, d := range c.link {
				if !l.hasPackage(d.pkg) {
					t.Errorf("bootstrap lacks %s; the app declares its resource kind", d.pkg)
				}
				for _, m := range d.modules {
					if !l.hasModule(m) {
						t.Errorf("bootstrap lacks module %s (for %s)", m, d.pkg)
					}
				}
			}
			for _, d := range c.not {
				if l.hasPackage(d.pkg) {
					t.Errorf("bootstrap links %s; the app declares no resource of its kind", d.pkg)
				}
				for _, m := range d.modules {
					if l.hasModule(m) {
						t.Errorf("bootstrap links module %s; the app declares no resource that needs it", m)
					}
				}
			}
			if len(c.link) == 0 && l.hasModule("github.com/aws/aws-sdk-go-v2") {
				t.Error("bootstrap of an app without resources links the AWS SDK")
			}
			for _, p := range unwanted {
				if l.hasPackage(p) {
					t.Errorf("bootstrap links %s", p)
				}
			}
			if !l.hasPackage("github.com/faaskit/faas/providers/awslambda") {
				t.Error("the check found no awslambda code; it is not reading the function table")
			}
		})
	}
}

// linkage is what a bootstrap links: the modules its build info records
// (every module with a package in the import graph, whose init runs) and
// every function name in its pclntab (present even in stripped binaries).
type linkage struct {
	modules  []string
	funcs    []string
	settings []debug.BuildSetting
}

func readLinkage(t *testing.T, bin string) *linkage {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	l := &linkage{settings: info.Settings}
	for _, d := range info.Deps {
		l.modules = append(l.modules, d.Path)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		t.Fatal("no .gopclntab or .text section")
	}
	data, err := pcln.Data()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range tab.Funcs {
		l.funcs = append(l.funcs, fn.Name)
	}
	return l
}

func (l *linkage) hasModule(path string) bool { return slices.Contains(l.modules, path) }

// hasPackage reports whether any function of package pkg is linked.
func (l *linkage) hasPackage(pkg string) bool {
	return slices.ContainsFunc(l.funcs, func(name string) bool { return strings.HasPrefix(name, pkg+".") })
}

// unzipBootstrap extracts the bootstrap of a deployment package into a
// temporary directory.
func unzipBootstrap(t *testing.T, zipPath string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestWriteZip checks the deployment package round-trips the binary as an
// executable Deflate entry compressed at the best level: never larger than
// the default level gives.
func TestWriteZip(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	data = data[:min(len(data), 2<<20)]
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	size, err := WriteZip(filepath.Join(dir, ZipName), bin)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(filepath.Join(dir, ZipName))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	zf := zr.File[0]
	rc, err := zf.Open()
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("the zip does not give back the binary (%v)", err)
	}
	if zf.Method != zip.Deflate || zf.Mode().Perm() != 0o755 || !zf.Modified.Equal(ziputil.Epoch) {
		t.Errorf("entry method %d mode %v modified %v; want Deflate, 0755, %v", zf.Method, zf.Mode(), zf.Modified, ziputil.Epoch)
	}
	var def bytes.Buffer
	zw := zip.NewWriter(&def)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: ziputil.Epoch})
	w.Write(data)
	zw.Close()
	if size > int64(def.Len()) {
		t.Errorf("zip of %d bytes; the default Deflate level gives %d", size, def.Len())
	}
}
