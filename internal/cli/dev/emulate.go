package dev

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/faaskit/faas/deploy/awsdeploy"
	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/deploy/gcpdeploy"
	"github.com/faaskit/faas/deploy/appbuild"
	"github.com/faaskit/faas/internal/ziputil"
	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/providers/gcf/gcfhost"
	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/sdk"
)

// Emulated lists the accepted --emulate values.
var Emulated = []string{"aws", "gcp", "azure"}

// devWrap binds the provider build's resources to faas dev's stores and
// posts its events back to the dev server (see devbind.Wrap).
var devWrap = &appbuild.Entry{Import: "github.com/faaskit/faas/providers/local/devbind", Func: "Wrap"}

// emulator builds an app for one provider and runs the artifact under that
// provider's local host.
type emulator struct {
	// build writes the provider artifacts into dist; it runs in faas dev,
	// so a failed build leaves the previous one serving.
	build func(ctx context.Context, appDir, dist string, progress io.Writer) error
	// start runs the artifacts in dist under the provider's local host
	// with env added to the app's environment.
	start func(ctx context.Context, dist string, m *sdk.Manifest, env map[string]string, out io.Writer) (local.Dispatcher, error)
}

func emulatorFor(name string) (emulator, error) {
	switch name {
	case "aws":
		return emulator{build: buildAWS, start: startAWS}, nil
	case "gcp":
		return emulator{build: buildGCP, start: startGCP}, nil
	case "azure":
		return emulator{build: buildAzure, start: startAzure}, nil
	}
	return emulator{}, fmt.Errorf("--emulate %q: want one of %s", name, strings.Join(Emulated, ", "))
}

func localArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "amd64"
}

func buildAWS(ctx context.Context, appDir, dist string, progress io.Writer) error {
	_, err := awsdeploy.Build(ctx, appDir, dist, &awsdeploy.Options{Arch: localArch(), Progress: progress, Wrap: devWrap, Local: true})
	return err
}

// startAWS unpacks the bootstrap from the deployment zip, as Lambda does,
// and serves it through the Runtime API host.
func startAWS(_ context.Context, dist string, m *sdk.Manifest, env map[string]string, out io.Writer) (local.Dispatcher, error) {
	unpacked := filepath.Join(dist, "unpacked")
	if err := ziputil.Extract(filepath.Join(dist, awsdeploy.ZipName), unpacked); err != nil {
		return nil, err
	}
	bin := filepath.Join(unpacked, "bootstrap")
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	return lambdahost.New(bin, m, &lambdahost.Options{Env: kv, Stderr: out})
}

// buildGCP writes the source bundle and builds it the way the buildpack
// does, so that a compile error is reported here, before the running
// version is replaced.
func buildGCP(ctx context.Context, appDir, dist string, progress io.Writer) error {
	if _, err := gcpdeploy.Build(ctx, appDir, dist, &gcpdeploy.Options{Progress: progress, Wrap: devWrap, SkipCompile: true}); err != nil {
		return err
	}
	fmt.Fprintln(progress, "building the bundle as the Go buildpack does")
	_, err := gcfhost.Build(ctx, filepath.Join(dist, "source.zip"), filepath.Join(dist, "work"))
	return err
}

func startGCP(ctx context.Context, dist string, _ *sdk.Manifest, env map[string]string, out io.Writer) (local.Dispatcher, error) {
	work := filepath.Join(dist, "work")
	return gcfhost.Start(ctx, dist, &gcfhost.Options{Env: env, Output: out, WorkDir: work, Binary: gcfhost.BinaryPath(work)})
}

func buildAzure(ctx context.Context, appDir, dist string, progress io.Writer) error {
	_, err := azuredeploy.Build(ctx, appDir, dist, &azuredeploy.Options{Progress: progress, Wrap: devWrap, Local: true})
	return err
}

func startAzure(ctx context.Context, dist string, _ *sdk.Manifest, env map[string]string, out io.Writer) (local.Dispatcher, error) {
	return funchost.Start(ctx, filepath.Join(dist, "app.zip"), &funchost.Options{Env: env, Output: out})
}
