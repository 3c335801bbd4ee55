package awslambda_test

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/faaskit/faas/providers/awslambda/lambdahost"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

// TestConformance runs the provider suite against the real bootstrap,
// built by awsdeploy, behind the local Lambda Runtime API: every HTTP
// request becomes an API Gateway v2 event, every message a one-message
// SQS batch, every blob event an S3 notification and every tick an
// EventBridge scheduled event.
func TestConformance(t *testing.T) {
	bootstrap, manifest := buildConformanceApp(t)
	providertest.Run(t, harness{bootstrap: bootstrap, manifest: manifest})
}

type harness struct {
	bootstrap string
	manifest  *sdk.Manifest
}

func (h harness) Start(t *testing.T, env map[string]string) providertest.Target {
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	host, err := lambdahost.New(h.bootstrap, h.manifest, &lambdahost.Options{Env: envList, Stderr: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	return target{host}
}

// testLog sends the bootstraps' output to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	if testing.Verbose() {
		l.t.Logf("%s", p)
	}
	return len(p), nil
}

type target struct{ h *lambdahost.Host }

func (tg target) Do(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	tg.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func (tg target) DeliverMessage(ctx context.Context, function string, m providertest.Message) error {
	return tg.h.DeliverMessage(ctx, function, &sdk.Message{ID: m.ID, Topic: capp.InboxTopic, Data: m.Data, Attributes: m.Attributes, Attempt: m.Attempt, PublishTime: m.Published})
}

func (tg target) DeliverBlob(ctx context.Context, function string, e providertest.BlobEvent) error {
	kind := sdk.BlobCreated
	if e.Deleted {
		kind = sdk.BlobDeleted
	}
	return tg.h.DeliverBlob(ctx, function, &sdk.BlobEvent{Kind: kind, Bucket: capp.UploadsBucket, Key: e.Key, Size: e.Size, ContentType: e.ContentType, Time: e.Time})
}

// OmitsBlobContentType reports that S3 event notifications carry no
// content type: the shim leaves BlobEvent.ContentType empty, as it will be
// on AWS (providertest.BlobContentTypeOmitter).
func (target) OmitsBlobContentType() bool { return true }

func (tg target) FireSchedule(ctx context.Context, function string, e providertest.ScheduleEvent) error {
	return tg.h.FireSchedule(ctx, function, &sdk.ScheduleEvent{ID: e.ID, Time: e.Time})
}

// unzipBootstrap extracts the bootstrap from the deployment package,
// keeping the mode the zip records.
func unzipBootstrap(zipPath, dir string) (string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	f := zr.File[0]
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	out := filepath.Join(dir, "bin", f.Name)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Close()
		return "", err
	}
	return out, w.Close()
}
