package funchost_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy/azuredeploy"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/providers/local"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest/capp"
)

var _ local.Dispatcher = (*funchost.Host)(nil)

// appZip is capp built by TestMain with azuredeploy, shared by the tests.
var appZip string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "funchost-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := azuredeploy.Build(ctx, "../../../sdk/providertest/capp", dir, nil); err != nil {
			fmt.Fprintln(os.Stderr, "building capp:", err)
			return 1
		}
		appZip = filepath.Join(dir, "app.zip")
		return m.Run()
	}())
}

func build(*testing.T) string { return appZip }

// env binds capp's resources to a fresh directory and returns the records dir.
func env(t *testing.T) (map[string]string, string) {
	dir := t.TempDir()
	rec, up := filepath.Join(dir, "records"), filepath.Join(dir, "uploads")
	os.MkdirAll(rec, 0o755)
	os.MkdirAll(up, 0o755)
	return map[string]string{
		provider.EnvVar(sdk.KindBucket, capp.RecordsBucket): (&url.URL{Scheme: "file", Path: rec}).String(),
		provider.EnvVar(sdk.KindBucket, capp.UploadsBucket): (&url.URL{Scheme: "file", Path: up}).String(),
		provider.EnvVar(sdk.KindTopic, capp.InboxTopic):     "mem://inbox",
	}, rec
}

func start(t *testing.T, zipPath string, e map[string]string, opts *funchost.Options) *funchost.Host {
	t.Helper()
	if opts == nil {
		opts = &funchost.Options{}
	}
	opts.Env = e
	var out bytes.Buffer
	if opts.Output == nil {
		opts.Output = &out
	}
	h, err := funchost.Start(t.Context(), zipPath, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

func TestSendRetriesUntilSuccess(t *testing.T) {
	zipPath := build(t)
	e, records := env(t)
	h := start(t, zipPath, e, &funchost.Options{MaxDeliveryCount: 3})
	ctx := t.Context()

	// Fails on the first delivery, succeeds on the second.
	n, err := h.Send(ctx, capp.MessageFunction, &sdk.Message{ID: "once", Data: []byte("x"), Attributes: map[string]string{"key": "once", "fail": "1"}})
	if err != nil || n != 2 {
		t.Fatalf("Send = %d, %v; want 2 deliveries and success", n, err)
	}
	for i, want := range []int{1, 2} {
		b, err := os.ReadFile(filepath.Join(records, "messages", "once", []string{"1.json", "2.json"}[i]))
		if err != nil {
			t.Fatal(err)
		}
		var rec capp.MessageRecord
		json.Unmarshal(b, &rec)
		if rec.Attempt != want {
			t.Errorf("delivery %d reported DeliveryCount %d; want %d", i+1, rec.Attempt, want)
		}
	}

	// Always fails: dead-lettered after MaxDeliveryCount.
	n, err = h.Send(ctx, capp.MessageFunction, &sdk.Message{ID: "never", Data: []byte("x"), Attributes: map[string]string{"key": "never", "fail": "9"}})
	if !errors.Is(err, funchost.ErrDeadLettered) || n != 3 {
		t.Errorf("Send = %d, %v; want 3 deliveries then dead-lettered", n, err)
	}
	var ie *funchost.InvocationError
	if !errors.As(h.DeliverMessage(ctx, capp.MessageFunction, &sdk.Message{Data: []byte("x"), Attributes: map[string]string{"key": "never", "fail": "99"}}), &ie) || ie.Status != http.StatusServiceUnavailable {
		t.Errorf("failed delivery: %v; want an InvocationError with status 503", ie)
	}
	if err := h.DeliverBlob(ctx, capp.MessageFunction, &sdk.BlobEvent{Key: "k"}); err == nil || !strings.Contains(err.Error(), "not a eventGridTrigger") {
		t.Errorf("blob event to a message function: %v", err)
	}
}

// rezip rewrites app.zip with host.json changed by edit.
func rezip(t *testing.T, src string, edit func(map[string]any)) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), "app.zip")
	f, _ := os.Create(dst)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name == "host.json" {
			var hj map[string]any
			json.Unmarshal(b, &hj)
			edit(hj)
			b, _ = json.Marshal(hj)
		}
		hdr := e.FileHeader
		w, _ := zw.CreateHeader(&hdr)
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestJSONModeHTTPAndRoutePrefix(t *testing.T) {
	zipPath := rezip(t, build(t), func(hj map[string]any) {
		hj["customHandler"].(map[string]any)["enableForwardingHttpRequest"] = false
		hj["extensions"] = map[string]any{"http": map[string]any{"routePrefix": "api"}}
	})
	e, _ := env(t)
	host := start(t, zipPath, e, nil)
	srv := httptest.NewServer(host)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/api/echo/x?a=1&a=2", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var echo capp.Echo
	if err := json.Unmarshal(body, &echo); err != nil {
		t.Fatalf("status %d body %q: %v", resp.StatusCode, body, err)
	}
	if resp.StatusCode != 200 || echo.Path != "/echo/x" || echo.BodyLen != 5 || len(echo.Query["a"]) != 2 || echo.InvocationID == "" {
		t.Errorf("JSON-mode echo: %d %+v; want 200, path /echo/x, 5 body bytes, a=[1 2]", resp.StatusCode, echo)
	}
	if got := resp.Header.Get("X-Multi"); got != "one, two" {
		t.Errorf("X-Multi = %q; want the values joined (JSON mode carries single-string headers)", got)
	}
	resp, err = http.Get(srv.URL + "/echo/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("path outside the route prefix: %d; want 404", resp.StatusCode)
	}
	// A body over the host's limit is refused before it is buffered.
	req := httptest.NewRequest(http.MethodPost, "/api/echo/big", strings.NewReader("x"))
	req.ContentLength = funchost.MaxRequestBody + 1
	rec := httptest.NewRecorder()
	host.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code"`) {
		t.Errorf("body over %d bytes: %d %s; want 413 with a JSON error", funchost.MaxRequestBody, rec.Code, rec.Body)
	}
}

func TestStartRejectsNonExecutableHandler(t *testing.T) {
	src := build(t)
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), "app.zip")
	f, _ := os.Create(dst)
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		hdr := e.FileHeader
		hdr.SetMode(0o644) // as zipped by a tool that drops Unix modes
		w, _ := zw.CreateHeader(&hdr)
		rc, _ := e.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	f.Close()
	_, err = funchost.Start(t.Context(), dst, nil)
	if err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("Start with a 0644 handler: %v; want a not-executable error", err)
	}
}

// TestPublicPostToTriggerNameIsForwarded is the attack of issue 12 as the
// real host carries it out: with route prefix "" and the catch-all route, a
// public POST /<function> shaped like a Service Bus delivery, with a
// client-chosen invocation ID, is forwarded to the handler at /<function>.
// It must reach the app's own route, never the message function.
func TestPublicPostToTriggerNameIsForwarded(t *testing.T) {
	e, records := env(t)
	h := start(t, build(t), e, nil)
	body := `{"Data":{"msg":"eA=="},"Metadata":{"MessageId":"\"forged\"","DeliveryCount":"1","ApplicationProperties":{"key":"forged"}}}`
	req := httptest.NewRequest(http.MethodPost, "/"+capp.MessageFunction, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Azure-Functions-InvocationId", "client-chosen")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var echo capp.Echo
	if err := json.Unmarshal(rec.Body.Bytes(), &echo); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("status %d, body %q; want the app's echo of /%s", rec.Code, rec.Body, capp.MessageFunction)
	}
	if echo.Path != "/"+capp.MessageFunction || echo.BodyLen != len(body) {
		t.Errorf("app saw %s with %d bytes; want /%s with %d", echo.Path, echo.BodyLen, capp.MessageFunction, len(body))
	}
	ids := echo.Headers["X-Azure-Functions-Invocationid"]
	if len(ids) != 2 || ids[0] != "client-chosen" || echo.InvocationID == "client-chosen" || echo.InvocationID != ids[1] {
		t.Errorf("invocation ID headers %q, invocation %q; want the client's then the host's, and the host's used", ids, echo.InvocationID)
	}
	if _, err := os.Stat(filepath.Join(records, "messages", "forged")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the message function ran for a public request (stat: %v)", err)
	}
}

// TestUnkeyedTriggerFolderRefused: a package whose non-HTTP function folder
// has no trigger key (hand-made, or built before keys) would take public
// POST /<function> for a trigger, so the handler refuses to start.
func TestUnkeyedTriggerFolderRefused(t *testing.T) {
	zr, err := zip.OpenReader(build(t))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), "app.zip")
	f, _ := os.Create(dst)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		rc, _ := e.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		hdr := e.FileHeader
		if strings.HasPrefix(hdr.Name, capp.ScheduleFunction+"_") {
			_, rest, _ := strings.Cut(hdr.Name, "/")
			hdr.Name = capp.ScheduleFunction + "/" + rest
		}
		w, _ := zw.CreateHeader(&hdr)
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	h, err := funchost.Start(t.Context(), dst, &funchost.Options{Output: &out, StartTimeout: 20 * time.Second})
	if err == nil {
		h.Close()
		t.Fatal("the handler started with an unkeyed timer folder")
	}
	if !strings.Contains(out.String(), "no trigger key") {
		t.Errorf("handler output %q; want it to say the folder has no trigger key", out.String())
	}
}
