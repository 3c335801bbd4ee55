//go:build integration

package azurefunc_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
	"github.com/faaskit/faas/sdk/providertest/capp"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob"
)

// The well-known Azurite development account.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// startAzurite runs Azurite's blob service on a free loopback port and
// returns its host:port. It fails (not skips) when Azurite is missing.
func startAzurite(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs("../../.cache/azurite/node_modules/.bin/azurite-blob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Azurite is not installed (%v): run scripts/install-azurite.sh (npm azurite 3.35.0 into .cache/azurite)", err)
	}
	cmd := exec.Command(bin, "--skipApiVersionCheck", "--inMemoryPersistence", "--disableTelemetry",
		"--blobHost", "127.0.0.1", "--blobPort", "0")
	cmd.Dir = t.TempDir() // Azurite writes its debug log and lock files here
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Azurite: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := regexp.MustCompile(`listens on http://(127\.0\.0\.1:\d+)`)
	addr := make(chan string, 1)
	out := &providertest.Output{}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if ok {
			return a
		}
		t.Fatalf("Azurite exited:\n%s", out)
	case <-time.After(60 * time.Second):
		t.Fatalf("Azurite did not report its blob endpoint within 60s:\n%s", out)
	}
	return ""
}

// TestAzureBlobBinding runs the built handler under funchost with its
// records bucket bound to an azblob:// URL on Azurite, delivers a blob
// event, and reads the handler's record back from Azurite: the handler's
// default binder opens Azure Blob Storage through gocloud's azureblob.
func TestAzureBlobBinding(t *testing.T) {
	addr := startAzurite(t)
	t.Setenv("AZURE_STORAGE_ACCOUNT", azuriteAccount)
	t.Setenv("AZURE_STORAGE_KEY", azuriteKey)
	ctx := t.Context()

	cred, err := azblob.NewSharedKeyCredential(azuriteAccount, azuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := azblob.NewClientWithSharedKeyCredential(fmt.Sprintf("http://%s/%s", addr, azuriteAccount), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateContainer(ctx, "records", nil); err != nil {
		t.Fatalf("create container: %v", err)
	}
	url := fmt.Sprintf("azblob://records?protocol=http&domain=%s&localemu=true", addr)

	zip := buildCapp(t)
	logs := &providertest.Output{}
	host, err := funchost.Start(ctx, zip, &funchost.Options{Output: logs, Env: map[string]string{
		provider.EnvVar(sdk.KindBucket, capp.RecordsBucket): url,
		provider.EnvVar(sdk.KindBucket, capp.UploadsBucket): "mem://",
		provider.EnvVar(sdk.KindTopic, capp.InboxTopic):     "mem://inbox",
		"AZURE_STORAGE_ACCOUNT":                             azuriteAccount,
		"AZURE_STORAGE_KEY":                                 azuriteKey,
	}})
	if err != nil {
		t.Fatalf("funchost: %v\n%s", err, logs)
	}
	defer host.Close()
	key := "photos/cat 1.jpg"
	if err := host.DeliverBlob(ctx, capp.BlobFunction, &sdk.BlobEvent{Kind: sdk.BlobCreated, Bucket: capp.UploadsBucket, Key: key, Size: 42, ContentType: "image/jpeg"}); err != nil {
		t.Fatalf("deliver: %v\n%s", err, logs.Tail(4096))
	}

	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	data, err := b.ReadAll(ctx, "blobs/"+key+".json")
	if err != nil {
		t.Fatalf("record not in Azurite: %v\n%s", err, logs.Tail(4096))
	}
	var rec capp.BlobRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Key != key || rec.Size != 42 || rec.Kind != sdk.BlobCreated || !strings.HasPrefix(rec.ContentType, "image/") {
		t.Errorf("record %+v", rec)
	}
	attrs, err := b.Attributes(ctx, "blobs/"+key+".json")
	if err != nil || attrs.ContentType != "application/json" {
		t.Errorf("attributes %+v, %v; want the content type the handler set", attrs, err)
	}
}
