//go:build integration

package azurefunc_test

import (
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/faaskit/faas/internal/emulators"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/sdk"
	"github.com/faaskit/faas/sdk/providertest"
	"github.com/faaskit/faas/sdk/providertest/capp"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob"
)

// TestAzureBlobBinding runs the built handler under funchost with its
// records bucket bound to an azblob:// URL on Azurite, delivers a blob
// event, and reads the handler's record back from Azurite: the handler's
// default binder opens Azure Blob Storage through gocloud's azureblob.
func TestAzureBlobBinding(t *testing.T) {
	addr := emulators.Azurite(t)
	t.Setenv("AZURE_STORAGE_ACCOUNT", emulators.AzuriteAccount)
	t.Setenv("AZURE_STORAGE_KEY", emulators.AzuriteKey)
	ctx := t.Context()

	cred, err := azblob.NewSharedKeyCredential(emulators.AzuriteAccount, emulators.AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := azblob.NewClientWithSharedKeyCredential(fmt.Sprintf("http://%s/%s", addr, emulators.AzuriteAccount), cred, nil)
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
		"AZURE_STORAGE_ACCOUNT":                             emulators.AzuriteAccount,
		"AZURE_STORAGE_KEY":                                 emulators.AzuriteKey,
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
