//go:build integration

package awsdeploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/faaskit/faas/deploy"
)

// TestRealAccount deploys the to-do into a real AWS account, walks through
// its API with a Cognito user it creates, and destroys the stage with its
// data. It runs only with FAAS_E2E_AWS=1 and credentials from the SDK's
// default chain, named by AWS_PROFILE, AWS_ACCESS_KEY_ID, a web identity
// or container credentials (see "Deploy" in README.md):
//
//	FAAS_E2E_AWS=1 AWS_PROFILE=sandbox AWS_REGION=eu-west-1 go test ./deploy/awsdeploy -run TestRealAccount -v -timeout 30m
func TestRealAccount(t *testing.T) {
	if os.Getenv("FAAS_E2E_AWS") != "1" {
		t.Skip("set FAAS_E2E_AWS=1 (and AWS credentials) to deploy into a real account")
	}
	for k, v := range realEnv { // undo TestMain's redirection to moto
		t.Setenv(k, v)
	}
	if !slices.ContainsFunc([]string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"},
		func(k string) bool { return os.Getenv(k) != "" }) {
		t.Skip("FAAS_E2E_AWS=1 needs credentials named in the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, a web identity or container credentials)")
	}
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err == nil {
		_, err = cfg.Credentials.Retrieve(t.Context())
	}
	if err != nil || cfg.Region == "" {
		t.Skipf("no AWS credentials or region in the default chain (%v)", err)
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	tg := todoTarget(t, "e2e"+hex.EncodeToString(suffix))
	p := Provider{}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := p.Destroy(ctx, tg, &deploy.DestroyOptions{DeleteData: true}); err != nil {
			t.Errorf("destroy: %v (remove the stage %s by hand)", err, tg.Stage)
		}
	})
	tg.Progress = func(e deploy.Event) {
		if e.Status != deploy.StatusStarted {
			t.Logf("%s %s %s %s %v", e.Status, e.Action, e.Kind, e.Name, e.Err)
		}
	}
	pl, err := p.Plan(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(t.Context(), tg, pl)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("outputs: %+v", out)
	if pl, err := p.Plan(t.Context(), tg); err != nil || !pl.Empty() {
		t.Errorf("plan after deploy: %v, %v; want no change", pl.Changes, err)
	}

	e := testEnv(t, p, tg)
	token := cognitoToken(t, e, out.Extra["user_pool_id"], out.ClientID, "alice@example.com")
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), method, out.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The API and the functions take a moment to answer after creation.
	var st int
	var body string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(3 * time.Second) {
		if st, body = call("GET", "/api/auth/config", ""); st == 200 {
			break
		}
	}
	if st != 200 || !strings.Contains(body, out.ClientID) {
		t.Fatalf("GET /api/auth/config: %d %s", st, body)
	}
	if st, body = call("POST", "/api/todos", `{"title":"Buy milk"}`); st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	if st, body = call("GET", "/api/todos", ""); st != 200 || !strings.Contains(body, "Buy milk") {
		t.Fatalf("list: %d %s", st, body)
	}
}
