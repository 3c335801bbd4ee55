package awslambda_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/faaskit/faas/deploy/awsdeploy"
	"github.com/faaskit/faas/sdk"
)

// built is the conformance app's bootstrap, built once per test binary
// with awsdeploy exactly as "faas build --provider=aws --arch amd64" does,
// plus the faas.localdrivers tag so the suite's file:// bindings open.
var built struct {
	once      sync.Once
	dir       string
	bootstrap string
	manifest  *sdk.Manifest
	err       error
}

func buildConformanceApp(t *testing.T) (string, *sdk.Manifest) {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "awslambda-test-")
		if built.err != nil {
			return
		}
		var res *awsdeploy.Result
		res, built.err = awsdeploy.Build(t.Context(), "../../sdk/providertest/capp", built.dir, &awsdeploy.Options{Arch: "amd64", Tags: []string{"faas.localdrivers"}})
		if built.err != nil {
			return
		}
		built.bootstrap, built.err = unzipBootstrap(res.Files[0], built.dir)
		if built.err != nil {
			return
		}
		var data []byte
		data, built.err = os.ReadFile(filepath.Join(built.dir, awsdeploy.ManifestName))
		if built.err == nil {
			built.manifest = &sdk.Manifest{}
			built.err = json.Unmarshal(data, built.manifest)
		}
	})
	if built.err != nil {
		t.Fatalf("building the conformance app: %v", built.err)
	}
	return built.bootstrap, built.manifest
}

// atExit holds what TestMain runs after the tests, such as stopping the
// moto server the integration tests start.
var atExit []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
