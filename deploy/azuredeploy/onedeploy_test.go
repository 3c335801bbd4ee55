package azuredeploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/sdk"
)

// TestPublish drives OneDeploy against publish endpoints that refuse
// first (access not yet propagated), report a failed deployment after a
// 200, or keep the deployment running.
func TestPublish(t *testing.T) {
	for _, tc := range []struct {
		name      string
		forbidden int32  // 403s before the POST succeeds
		status    string // /api/deployments/latest body
		wantErr   string
	}{
		{"ok", 0, `{"status":4,"complete":true}`, ""},
		{"403 while the role assignment propagates", 3, `{"status":4,"complete":true}`, ""},
		{"200 then a failed deployment", 0, `{"status":3,"status_text":"BlobUploadFailedException","complete":true}`, "BlobUploadFailedException"},
		{"never completes", 0, `{"status":1,"complete":false}`, "did not complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/api/publish":
					if posts.Add(1) <= tc.forbidden {
						http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
						return
					}
					w.WriteHeader(http.StatusOK)
				case "/api/deployments/latest":
					fmt.Fprint(w, tc.status)
				}
			}))
			defer srv.Close()
			c := &clients{cred: &azfake.TokenCredential{}, scm: func(string) string { return srv.URL }, http: srv.Client(), poll: 1}
			err := c.publish(context.Background(), "site", &pinned{data: []byte("PK")})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("publish = %v, want %q", err, tc.wantErr)
			}
			if got := posts.Load(); got != tc.forbidden+1 {
				t.Errorf("%d POSTs, want %d", got, tc.forbidden+1)
			}
		})
	}
}

// TestLimitsBeforeAnyCall: a target over the limits fails with a
// LimitError naming every problem, and no request is made.
func TestLimitsBeforeAnyCall(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	m.Functions[0].MemoryMB = 8192
	m.Resources = append(m.Resources, sdk.ResourceManifest{Name: "FAAS-Deploy-Lock", Kind: sdk.KindBucket})
	tg := target(m, t.TempDir())
	tg.Stage = strings.Repeat("s", 50)
	_, err := p.Plan(context.Background(), tg)
	var le *deploy.LimitError
	if !errors.As(err, &le) || len(le.Problems) < 4 || !strings.Contains(err.Error(), `bucket "FAAS-Deploy-Lock" would be the blob container "faas-deploy-lock"`) {
		t.Fatalf("Plan = %v, want a LimitError with the memory, the name and the reserved-container problems", err)
	}
	if len(c.groups) != 0 || c.mutating() != 0 {
		t.Error("calls were made")
	}
	for _, l := range p.Limits() {
		if l.What == "" || l.Max == "" || l.Setting == "" {
			t.Errorf("incomplete limit %+v", l)
		}
	}
}
