package aws

import (
	"archive/zip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/faaskit/faas/deploy/awsdeploy"
	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/sdk"
)

// artifact is a built bootstrap and its zip size.
type artifact struct {
	bin      string
	zipSize  int64
	manifest *sdk.Manifest
}

var builds struct {
	once                 sync.Once
	todo, hello, drivers artifact
	err                  error
}

// buildArtifacts builds the to-do app with awsdeploy, and the hello-world
// aws-lambda-go bootstrap and hellodrivers (hello plus the three gocloud
// AWS drivers) with the same flags (amd64, so they run here), and zips all
// three with awsdeploy.WriteZip.
func buildArtifacts(b *testing.B) (todo, hello, drivers artifact) {
	builds.once.Do(func() {
		dir, err := os.MkdirTemp("", "faas-bench-aws-")
		if err != nil {
			builds.err = err
			return
		}
		res, err := awsdeploy.Build(b.Context(), "../../examples/todo", filepath.Join(dir, "todo"), &awsdeploy.Options{Arch: "amd64"})
		if err != nil {
			builds.err = err
			return
		}
		builds.todo.manifest = res.Manifest
		if builds.todo.bin, builds.todo.zipSize, err = unzip(res.Files[0], filepath.Join(dir, "todo", "bin")); err != nil {
			builds.err = err
			return
		}
		hello := &sdk.Manifest{App: "hello", Functions: []sdk.FunctionManifest{{Name: "hello", Kind: sdk.KindHTTP}}}
		for _, a := range []struct {
			pkg  string
			dst  *artifact
			tags string
		}{
			{"hello", &builds.hello, "lambda.norpc"},
			{"hellodrivers", &builds.drivers, "lambda.norpc,grpcnotrace"}, // the to-do's flags for gocloud
		} {
			bin := filepath.Join(dir, a.pkg, "bootstrap")
			o := awsdeploy.BootstrapOptions("amd64")
			cmd := exec.Command("go", "build", "-tags", a.tags, "-trimpath", "-ldflags", o.LDFlags, "-o", bin, "./testdata/"+a.pkg)
			cmd.Env = append(os.Environ(), o.Env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				builds.err = &buildError{string(out), err}
				return
			}
			*a.dst = artifact{bin: bin, manifest: hello}
			if a.dst.zipSize, builds.err = zipSize(bin, filepath.Join(dir, a.pkg, "bootstrap.zip")); builds.err != nil {
				return
			}
		}
	})
	if builds.err != nil {
		b.Fatal(builds.err)
	}
	return builds.todo, builds.hello, builds.drivers
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// BenchmarkColdStart measures process start → first response through the
// local Lambda host: a new environment per iteration (a fresh bootstrap
// process, its init, one invocation). It also reports each zip's size.
func BenchmarkColdStart(b *testing.B) {
	todo, hello, drivers := buildArtifacts(b)
	healthz := httptest.NewRequest(http.MethodGet, "https://api.example.com/api/healthz", nil)
	todoEvent, err := lambdahost.NewHTTPEvent(healthz, "us-east-1")
	if err != nil {
		b.Fatal(err)
	}
	todoEnv := []string{
		"FAAS_AUTH_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
		"FAAS_AUTH_AUDIENCE=example-client",
		"FAAS_COLLECTION_TODOS=dynamodb://todos?partition_key=id",
		"FAAS_COLLECTION_STATS=dynamodb://stats?partition_key=user",
		"FAAS_BUCKET_ATTACHMENTS=s3://attachments",
		"FAAS_TOPIC_EVENTS=awssns:///arn:aws:sns:us-east-1:123456789012:events",
	}
	cases := []struct {
		name     string
		a        artifact
		function string
		payload  []byte
		env      []string
	}{
		{"todo", todo, "web", todoEvent, todoEnv},
		{"hello", hello, "hello", []byte(`{}`), nil},
		{"hello-drivers", drivers, "hello", []byte(`{}`), nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				h, err := lambdahost.New(c.a.bin, c.a.manifest, &lambdahost.Options{Env: c.env, Stderr: io.Discard})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := h.Invoke(b.Context(), c.function, c.payload); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				h.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(c.a.zipSize), "zip-bytes")
		})
	}
}

func unzip(zipPath, dir string) (string, int64, error) {
	fi, err := os.Stat(zipPath)
	if err != nil {
		return "", 0, err
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return "", 0, err
	}
	defer zr.Close()
	rc, err := zr.File[0].Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, err
	}
	out := filepath.Join(dir, "bootstrap")
	w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return "", 0, err
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Close()
		return "", 0, err
	}
	return out, fi.Size(), w.Close()
}

// zipSize zips bin exactly as awsdeploy zips a bootstrap and returns the
// zip's size.
func zipSize(bin, zipPath string) (int64, error) {
	return awsdeploy.WriteZip(zipPath, bin)
}
