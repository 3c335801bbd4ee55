package azuredeploy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

// TestDeployedPackageRuns builds the conformance app, deploys it to the
// fake cloud, and runs the zip OneDeploy received under funchost with the
// template's app settings: the HTTP function answers, and a public POST to
// a trigger's name (or its keyed folder with a wrong key) reaches the
// app's own route, never the trigger.
func TestDeployedPackageRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out := t.TempDir()
	res, err := Build(ctx, "../../sdk/providertest/capp", out, &Options{Local: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	tg := target(res.Manifest, out)
	pl, _, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatal(err)
	}
	received := filepath.Join(t.TempDir(), "app.zip")
	if err := os.WriteFile(received, c.published[0], 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, s := range pl.State.(*state).e.appTpl.Resources {
		if s.Type != "Microsoft.Web/sites" {
			continue
		}
		for _, kv := range s.Properties["siteConfig"].(map[string]any)["appSettings"].([]any) {
			kv := kv.(map[string]any)
			if v := kv["value"].(string); !strings.HasPrefix(v, "[") { // template expressions need Azure
				env[kv["name"].(string)] = v
			}
		}
	}
	if env["FAAS_BUCKET_RECORDS"] != "azblob://records" || env["FAAS_TOPIC_INBOX"] != "azuresb://inbox" {
		t.Errorf("bindings: %v", env)
	}
	h, err := funchost.Start(ctx, received, &funchost.Options{Env: env, Output: io.Discard})
	if err != nil {
		t.Fatalf("the received package does not start under funchost: %v", err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	key := pl.State.(*state).e.pkg.key
	for _, path := range []string{"/echo/hello?x=1", "/" + capp.MessageFunction, "/" + azurefunc.TriggerFunctionName(capp.MessageFunction, strings.Repeat("0", 32))} {
		resp, err := srv.Client().Post(srv.URL+path, "application/json", strings.NewReader(`{"Data":{"message":"Zm9yZ2Vk"},"Metadata":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		var echo capp.Echo
		err = json.NewDecoder(resp.Body).Decode(&echo)
		resp.Body.Close()
		wantPath, _, _ := strings.Cut(path, "?")
		if strings.Contains(path, "_") {
			// A wrong key is just another app path: the mux has no route for it.
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d, want the app's 404", path, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK || err != nil || echo.Path != wantPath {
			t.Errorf("POST %s: %d %v, echo path %q (the app's route, not a trigger)", path, resp.StatusCode, err, echo.Path)
		}
	}
	if strings.Contains(string(c.published[0]), key) == false {
		t.Error("the received package does not carry the pinned key")
	}
}
