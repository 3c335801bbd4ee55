package gcpdeploy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"

	"github.com/faaskit/faas/deploy"
)

// kindSource is the uploaded source bundle.
const kindSource = "function-source"

// uploadStep asks for a signed upload URL and PUTs the zip to it, once per
// deploy that creates a function or changes one's code: the functions'
// source labels, compared with the zip's hash, say whether it is needed.
func (e *env) uploadStep() step {
	return step{deploy.Change{Action: deploy.Create, Kind: kindSource, Name: "source-" + e.zipHash + ".zip"}, func(ctx context.Context) error {
		r, err := e.c.fn.GenerateUploadUrl(ctx, &functionspb.GenerateUploadUrlRequest{Parent: e.location(), Environment: functionspb.Environment_GEN_2})
		if err != nil {
			return err
		}
		f, err := os.Open(e.zipPath)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.GetUploadUrl(), f)
		if err != nil {
			return err
		}
		req.ContentLength = st.Size()
		req.Header.Set("Content-Type", "application/zip")
		resp, err := e.c.upload.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("uploading the source: PUT answered %s: %s", resp.Status, bytes.TrimSpace(body))
		}
		e.srcBucket, e.srcObject = r.GetStorageSource().GetBucket(), r.GetStorageSource().GetObject()
		return nil
	}}
}
