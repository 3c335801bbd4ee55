//go:build integration

package azuredeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/examples/todo/todotest"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/internal/emulators"
	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/providers/azurefunc/funchost"
	"github.com/faaskit/faas/providers/local/devoidc"
	"github.com/faaskit/faas/sdk"
)

// TestDeployedTodoWalkthrough builds examples/todo, deploys it to the fake
// cloud with a test OIDC issuer, and runs the zip OneDeploy received under
// funchost with the app settings the fake recorded for the function app
// (the deployed app template's siteConfig.appSettings). The README
// walk-through then passes against it: sign in, create, list, attach (a
// blob in Azurite), the upload's blob event to attachment-meta, complete,
// delete; and public POSTs to the non-HTTP functions' names are refused.
//
// The recorded settings are kept, FAAS_COLLECTION_* and FAAS_AUTH_*
// included, but for these rewrites, each because the cloud's service or
// identity is not here:
//   - FAAS_BUCKET_ATTACHMENTS (azblob://attachments) gains
//     protocol=http, domain=<Azurite> and localemu=true, and
//     AZURE_STORAGE_ACCOUNT (the deployed account's name) becomes
//     Azurite's devstoreaccount1 with its well-known AZURE_STORAGE_KEY: in
//     the cloud the driver reaches https://<account>.blob.core.windows.net
//     with the app's managed identity; Azurite serves the account
//     path-style over http and has no Entra ID. The containers are the
//     ones the recorded data template declares.
//   - MONGO_SERVER_URL is an ARM expression (listConnectionStrings of the
//     Cosmos account) that only Azure evaluates: it becomes an embedded
//     FerretDB's URI (MongoDB wire on SQLite, the stand-in the Azure
//     mongodocstore test uses), so the deployed mongo://todo/<collection>
//     bindings run unchanged.
//   - FAAS_TOPIC_EVENTS (azuresb://events) becomes mem://events: Service
//     Bus has no local stand-in (its emulator needs Docker), so the events
//     the app publishes stay in the handler's process and the stats
//     function is not part of this walk-through.
func TestDeployedTodoWalkthrough(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	azurite := emulators.Azurite(t)
	mongoURI := startFerretDB(t)

	var iss *devoidc.Issuer
	issSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.ServeHTTP(w, r) }))
	defer issSrv.Close()
	iss, err := devoidc.New(issSrv.URL, &devoidc.Options{Audience: "todo-test"})
	if err != nil {
		t.Fatal(err)
	}

	dist := t.TempDir()
	res, err := Build(ctx, "../../examples/todo", dist, &Options{Local: true})
	if err != nil {
		t.Fatalf("building examples/todo: %v", err)
	}
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	tg := target(res.Manifest, dist)
	tg.Auth = deploy.Auth{Issuer: iss.URL(), Audience: iss.Audience()}
	pl, _, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	e := pl.State.(*state).e
	t.Logf("built and deployed in %s", time.Since(start))

	// What the fake recorded: the app settings and the containers.
	env := recordedAppSettings(t, c.deployments[e.appGroup()+"/"+deploymentApp])
	for k, want := range map[string]string{"FAAS_BUCKET_ATTACHMENTS": "azblob://attachments", "FAAS_TOPIC_EVENTS": "azuresb://events",
		"FAAS_COLLECTION_TODOS": "mongo://todo/todos?id_field=id", "AZURE_STORAGE_ACCOUNT": e.storage(), "FAAS_AUTH_ISSUER": iss.URL()} {
		if env[k] != want {
			t.Errorf("recorded %s = %q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["MONGO_SERVER_URL"], "[listConnectionStrings(") {
		t.Errorf("recorded MONGO_SERVER_URL = %q, want the ARM expression", env["MONGO_SERVER_URL"])
	}
	env["FAAS_BUCKET_ATTACHMENTS"] += fmt.Sprintf("?protocol=http&domain=%s&localemu=true", azurite)
	env["AZURE_STORAGE_ACCOUNT"], env["AZURE_STORAGE_KEY"] = emulators.AzuriteAccount, emulators.AzuriteKey
	env["MONGO_SERVER_URL"] = mongoURI
	env["FAAS_TOPIC_EVENTS"] = "mem://events"

	svc := azuriteClient(t, azurite)
	for _, r := range c.deployments[e.dataGroup()+"/"+deploymentData]["resources"].([]any) {
		rm := r.(map[string]any)
		if rm["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers" {
			name := rm["name"].(string)
			if _, err := svc.CreateContainer(ctx, name[strings.LastIndex(name, "/")+1:], nil); err != nil {
				t.Fatalf("creating container %s in Azurite: %v", name, err)
			}
		}
	}

	received := filepath.Join(t.TempDir(), "app.zip")
	if err := os.WriteFile(received, c.published[0], 0o644); err != nil {
		t.Fatal(err)
	}
	host, err := funchost.Start(ctx, received, &funchost.Options{Env: env, Output: t.Output()})
	if err != nil {
		t.Fatalf("the received package does not start under funchost: %v", err)
	}
	defer host.Close()
	api := httptest.NewServer(host)
	defer api.Close()

	alice, err := iss.Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := iss.Token("bob")
	client := todotest.New(t, api.URL)
	call, expect := client.Call, client.Expect

	// The forged-trigger hole stays closed: a public POST to a non-HTTP
	// function's name, or to its keyed folder with a wrong key, is the
	// app's own unrouted path, never the trigger.
	for _, f := range tg.Manifest.Functions {
		if f.Kind == sdk.KindHTTP {
			continue
		}
		for _, path := range []string{"/" + f.Name, "/" + azurefunc.TriggerFunctionName(f.Name, strings.Repeat("0", 32))} {
			st, body := call("POST", path, "", "application/json", `{"Data":{},"Metadata":{}}`)
			if st < 400 || st >= 500 {
				t.Errorf("forged trigger: POST %s (%s function) answered %d %s; want a 4xx refusal", path, f.Kind, st, body)
			}
		}
	}

	st, body := call("GET", "/api/auth/config", "", "", "")
	expect("auth config", st, body, 200, `"issuer":"`+iss.URL()+`"`)
	st, body = call("GET", "/api/todos", "", "", "")
	expect("no token", st, body, 401, "")

	st, body = call("POST", "/api/todos", alice, "application/json", `{"title":"Buy milk","due":"2026-12-01"}`)
	expect("create", st, body, 201, `"title":"Buy milk"`)
	var todo struct{ ID string }
	json.Unmarshal([]byte(body), &todo)
	st, body = call("GET", "/api/todos?status=open", alice, "", "")
	expect("list", st, body, 200, `"title":"Buy milk"`)
	st, body = call("PUT", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "text/plain", "paid 2.49")
	expect("attach", st, body, 201, `"name":"receipt.txt","size":9`)
	st, body = call("GET", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "", "")
	expect("download", st, body, 200, "paid 2.49")
	st, body = call("GET", "/api/todos/"+todo.ID, bob, "", "")
	expect("another user", st, body, 404, `"code":"not_found"`)

	// The upload is a blob in Azurite's attachments container; its
	// BlobCreated event, as Event Grid would deliver it, reaches
	// attachment-meta.
	pager := svc.NewListBlobsFlatPager("attachments", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Segment.BlobItems) != 1 {
		t.Fatalf("Azurite's attachments container: %v, %d blobs; want the upload", err, len(page.Segment.BlobItems))
	}
	b := page.Segment.BlobItems[0]
	if err := host.DeliverBlob(ctx, "attachment-meta", &sdk.BlobEvent{Kind: sdk.BlobCreated, Bucket: "attachments", Key: *b.Name,
		Size: *b.Properties.ContentLength, ContentType: *b.Properties.ContentType, ETag: string(*b.Properties.ETag), Time: time.Now()}); err != nil {
		t.Fatalf("attachment-meta: %v", err)
	}
	st, body = call("GET", "/api/todos/"+todo.ID, alice, "", "")
	expect("the to-do lists its attachment", st, body, 200, `"name":"receipt.txt"`)

	st, body = call("PATCH", "/api/todos/"+todo.ID, alice, "application/json", `{"done":true}`)
	expect("complete", st, body, 200, `"done":true`)
	st, body = call("GET", "/api/todos?status=open", alice, "", "")
	expect("the open list after completing", st, body, 200, "")
	if strings.Contains(body, todo.ID) {
		t.Errorf("the open list still holds the completed to-do: %s", body)
	}
	st, body = call("DELETE", "/api/todos/"+todo.ID, alice, "", "")
	expect("delete", st, body, 204, "")
	st, body = call("GET", "/api/todos/"+todo.ID, alice, "", "")
	expect("deleted", st, body, 404, `"code":"not_found"`)
	t.Logf("walk-through passed after %s", time.Since(start))
}

// recordedAppSettings reads the function app's app settings from a
// deployed app template.
func recordedAppSettings(t *testing.T, tpl map[string]any) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, r := range tpl["resources"].([]any) {
		rm := r.(map[string]any)
		if rm["type"] != "Microsoft.Web/sites" {
			continue
		}
		for _, kv := range rm["properties"].(map[string]any)["siteConfig"].(map[string]any)["appSettings"].([]any) {
			kv := kv.(map[string]any)
			env[kv["name"].(string)] = kv["value"].(string)
		}
	}
	if len(env) == 0 {
		t.Fatal("the fake recorded no function app settings")
	}
	return env
}

func azuriteClient(t *testing.T, addr string) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(emulators.AzuriteAccount, emulators.AzuriteKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := azblob.NewClientWithSharedKeyCredential(fmt.Sprintf("http://%s/%s", addr, emulators.AzuriteAccount), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// startFerretDB builds and runs testdata/ferretdb (its own module, so
// FerretDB stays out of go.mod): an embedded FerretDB on SQLite in a
// temporary directory; it returns its MongoDB URI.
func startFerretDB(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ferretdb")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "testdata/ferretdb"
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the FerretDB stand-in: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, t.TempDir())
	return emulators.StartUntilReady(t, cmd, regexp.MustCompile(`^(mongodb://\S+)$`), "FerretDB")
}
