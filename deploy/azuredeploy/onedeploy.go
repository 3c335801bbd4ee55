package azuredeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/faaskit/faas/providers/azurefunc"
)

// pinned is the package as deployed: app.zip with every keyed trigger
// folder renamed to the pinned key, so a redeploy keeps the Azure function
// names (and Event Grid subscriptions keep their endpoints).
type pinned struct {
	data []byte
	key  string // the pinned trigger key
	sha  string // hex SHA-256 of data
}

// pinPackage rewrites the zip at zipPath with trigger key key; with key
// "", it keeps the package's own key (a first deploy). Entries keep their
// compressed bytes, headers and modes (the handler's 0755).
func pinPackage(zipPath, key string) (*pinned, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("azuredeploy: reading the package: %w", err)
	}
	defer zr.Close()
	if key == "" {
		for _, f := range zr.File {
			dir, _, _ := strings.Cut(f.Name, "/")
			if _, k, ok := azurefunc.SplitTriggerFunctionName(dir); ok {
				key = k
				break
			}
		}
		if key == "" {
			key = azurefunc.NewTriggerKey()
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		h := f.FileHeader
		if dir, rest, found := strings.Cut(h.Name, "/"); found {
			if name, _, ok := azurefunc.SplitTriggerFunctionName(dir); ok {
				h.Name = path.Join(azurefunc.TriggerFunctionName(name, key), rest)
			}
		}
		r, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: reading the package: %w", err)
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			return nil, fmt.Errorf("azuredeploy: rewriting the package: %w", err)
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, fmt.Errorf("azuredeploy: rewriting the package: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("azuredeploy: rewriting the package: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return &pinned{data: buf.Bytes(), key: key, sha: hex.EncodeToString(sum[:])}, nil
}

// kuduDeployment is GET /api/deployments/latest.
type kuduDeployment struct {
	Status     int    `json:"status"` // 4 success, 3 failed
	StatusText string `json:"status_text"`
	Complete   bool   `json:"complete"`
}

const (
	kuduFailed  = 3
	kuduSuccess = 4
	// publishTries bounds the retries of 403 (access not yet propagated
	// after the role assignment) and 5xx answers, and the status polls.
	publishTries = 60
)

// publish uploads the package with OneDeploy (POST /api/publish, the Flex
// Consumption publish API) and waits until the deployment completes: the
// endpoint answers 200 while it is still running and after a failure, so
// the outcome is read from /api/deployments/latest.
func (c *clients) publish(ctx context.Context, site string, pkg *pinned) error {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	if err != nil {
		return fmt.Errorf("OneDeploy: token: %w", err)
	}
	base := strings.TrimSuffix(c.scm(site), "/")
	do := func(method, url string, body []byte) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/zip")
		}
		return c.http.Do(req)
	}
	for try := 1; ; try++ {
		resp, err := do(http.MethodPost, base+"/api/publish?RemoteBuild=false", pkg.data)
		if err != nil {
			return fmt.Errorf("OneDeploy: %w", err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted {
			break
		}
		if (resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500) && try < publishTries {
			if err := sleep(ctx, c.poll); err != nil {
				return err
			}
			continue
		}
		return fmt.Errorf("OneDeploy: POST /api/publish: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	for try := 1; try <= publishTries; try++ {
		resp, err := do(http.MethodGet, base+"/api/deployments/latest", nil)
		if err != nil {
			return fmt.Errorf("OneDeploy: deployment status: %w", err)
		}
		var d kuduDeployment
		derr := json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && derr == nil && d.Complete {
			if d.Status == kuduSuccess {
				return nil
			}
			return fmt.Errorf("OneDeploy: the deployment failed (status %d): %s", d.Status, d.StatusText)
		}
		if err := sleep(ctx, c.poll); err != nil {
			return err
		}
	}
	return fmt.Errorf("OneDeploy: the deployment did not complete after %d status reads", publishTries)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
