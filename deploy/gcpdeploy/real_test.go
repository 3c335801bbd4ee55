package gcpdeploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy"
)

// TestRealProject deploys examples/todo to a real project with
// Application Default Credentials, checks that the API answers (401
// without a token: the function is public, the app verifies tokens), and
// destroys the stage with its data. Opt-in:
//
//	FAAS_E2E_GCP=1 GOOGLE_CLOUD_PROJECT=<id> CLOUDSDK_COMPUTE_REGION=europe-west1 \
//	FAAS_AUTH_ISSUER=https://securetoken.google.com/<id> FAAS_AUTH_AUDIENCE=<id> \
//	go test ./deploy/gcpdeploy -run TestRealProject -v -timeout 60m
func TestRealProject(t *testing.T) {
	if os.Getenv("FAAS_E2E_GCP") != "1" || os.Getenv("GOOGLE_CLOUD_PROJECT") == "" || os.Getenv("CLOUDSDK_COMPUTE_REGION") == "" {
		t.Skip("set FAAS_E2E_GCP=1, GOOGLE_CLOUD_PROJECT and CLOUDSDK_COMPUTE_REGION (and Application Default Credentials) to deploy to a real project")
	}
	ctx := context.Background()
	dir := t.TempDir()
	res, err := Build(ctx, "../../examples/todo", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	tg := &deploy.Target{Stage: "e2e" + hex.EncodeToString(b), Manifest: res.Manifest, Artifact: dir, Settings: deploy.Settings{},
		Auth:     deploy.Auth{Issuer: os.Getenv("FAAS_AUTH_ISSUER"), Audience: os.Getenv("FAAS_AUTH_AUDIENCE")},
		Progress: func(e deploy.Event) { t.Logf("%s %s %s %s %v", e.Status, e.Action, e.Kind, e.Name, e.Took) }}
	p := New(nil)
	t.Cleanup(func() {
		if _, err := p.Destroy(context.Background(), tg, &deploy.DestroyOptions{DeleteData: true}); err != nil {
			t.Errorf("destroy: %v", err)
		}
	})
	start := time.Now()
	pl, err := p.Plan(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(ctx, tg, pl)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deployed %d changes in %s: %s", len(pl.Changes), time.Since(start), out.URL)
	resp, err := http.Get(out.URL + "/api/todos")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/todos without a token: %s, want 401 from the app", resp.Status)
	}
	if pl, err := p.Plan(ctx, tg); err != nil || !pl.Empty() {
		t.Errorf("plan after deploy: %v, %v", err, pl)
	}
}
