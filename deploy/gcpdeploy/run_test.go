//go:build integration

package gcpdeploy

import (
	"context"
	"encoding/json"
	"github.com/faaskit/faas/examples/todo/todotest"
	"github.com/faaskit/faas/internal/emulators"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub"
	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/gcf/gcfhost"
	"github.com/faaskit/faas/providers/local/devoidc"
	"github.com/faaskit/faas/sdk"
)

// TestDeployedConfigRuns builds examples/todo, deploys it to the fakes,
// and runs what they received: the source.zip that landed in
// fake-gcs-server through the GenerateUploadUrl upload, built the way the
// Go buildpack builds it (gcfhost), with the environment the fake
// Functions server recorded. The README walk-through then passes against
// it: sign-in with a test OIDC issuer, create, list, complete, attach,
// another user, a stale revision, delete; the events the app published
// reach the stats function through the subscription Eventarc made for it,
// and the upload's finalized event reaches attachment-meta.
//
// The recorded FAAS_* values are not rewritten: the buckets, topics and
// collections they name exist in the stand-ins under those very names.
// What the test adds, and why:
//   - STORAGE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST:
//     in the cloud the clients reach the real services with the runtime
//     account's credentials; here they reach fake-gcs-server (served on
//     127.0.0.1 with the Host header set to its public host, so that its
//     XML read routes match), pstest and the Firestore emulator;
//   - FAAS_FUNCTION is dropped: gcfhost selects the function with
//     FUNCTION_TARGET as the buildpack's main does, and the shim reads
//     nothing else.
//
// The Firestore emulator is a Java process, hence the integration tag.
func TestDeployedConfigRuns(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	fsHost, fsReady := startFirestoreEmulator(t) // starts while the app builds

	var iss *devoidc.Issuer
	issSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.ServeHTTP(w, r) }))
	defer issSrv.Close()
	iss, err := devoidc.New(issSrv.URL, &devoidc.Options{Audience: "todo-test"})
	if err != nil {
		t.Fatal(err)
	}

	dist := t.TempDir()
	res, err := Build(ctx, "../../examples/todo", dist, &Options{SkipCompile: true})
	if err != nil {
		t.Fatalf("building examples/todo: %v", err)
	}
	tg := &deploy.Target{Stage: "dev", Manifest: res.Manifest, Artifact: dist,
		Settings: deploy.Settings{"project": testProject, "region": testRegion},
		Auth:     deploy.Auth{Issuer: iss.URL(), Audience: iss.Audience()}}
	c := newCloud(t)
	if _, _, _, err := c.deployOnce(t, tg); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	t.Logf("built and deployed in %s", time.Since(start))

	// What the fakes received: one source object and one environment
	// (but FAAS_FUNCTION) for every function.
	var src, env map[string]string
	for _, fm := range tg.Manifest.Functions {
		f := c.fn.function(fnName(fm.Name))
		if f == nil {
			t.Fatalf("function %s was not created", fm.Name)
		}
		ss := f.GetBuildConfig().GetSource().GetStorageSource()
		vars := maps.Clone(f.GetServiceConfig().GetEnvironmentVariables())
		if vars["FAAS_FUNCTION"] != fm.Name {
			t.Errorf("function %s has FAAS_FUNCTION=%q", fm.Name, vars["FAAS_FUNCTION"])
		}
		delete(vars, "FAAS_FUNCTION")
		s := map[string]string{"bucket": ss.GetBucket(), "object": ss.GetObject()}
		if src == nil {
			src, env = s, vars
		} else if !maps.Equal(s, src) || !maps.Equal(vars, env) {
			t.Fatalf("function %s differs from the others in source %v or environment %v", fm.Name, s, vars)
		}
	}
	obj, err := c.gcs.GetObject(src["bucket"], src["object"])
	if err != nil {
		t.Fatalf("the source gs://%s/%s: %v", src["bucket"], src["object"], err)
	}
	built, err := os.ReadFile(filepath.Join(dist, BundleFile))
	if err != nil || string(built) != string(obj.Content) {
		t.Fatalf("the uploaded source (%d bytes) is not the built source.zip (%d bytes, %v)", len(obj.Content), len(built), err)
	}
	run := t.TempDir()
	manifest, _ := json.Marshal(tg.Manifest)
	if err := os.WriteFile(filepath.Join(run, "source.zip"), obj.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "manifest.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}

	gcs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = "storage.googleapis.com"
		c.gcs.HTTPHandler().ServeHTTP(w, r)
	}))
	defer gcs.Close()
	env["STORAGE_EMULATOR_HOST"] = strings.TrimPrefix(gcs.URL, "http://")
	env["PUBSUB_EMULATOR_HOST"] = c.ps.Addr
	env["FIRESTORE_EMULATOR_HOST"] = fsHost
	fsReady()
	host, err := gcfhost.Start(ctx, run, &gcfhost.Options{Env: env, Project: testProject, Output: t.Output()})
	if err != nil {
		t.Fatalf("the received source does not start under gcfhost: %v", err)
	}
	defer host.Close()
	api := httptest.NewServer(host)
	defer api.Close()
	t.Logf("running after %s", time.Since(start))

	alice, err := iss.Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := iss.Token("bob")
	client := todotest.New(t, api.URL)
	call, expect := client.Call, client.Expect

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
	st, body = call("PATCH", "/api/todos/"+todo.ID, alice, "application/json", `{"done":true}`)
	expect("complete", st, body, 200, `"done":true`)
	st, body = call("PUT", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "text/plain", "paid 2.49")
	expect("attach", st, body, 201, `"name":"receipt.txt","size":9`)
	st, body = call("GET", "/api/todos/"+todo.ID+"/attachments/receipt.txt", alice, "", "")
	expect("download", st, body, 200, "paid 2.49")
	st, body = call("GET", "/api/todos/"+todo.ID, bob, "", "")
	expect("another user", st, body, 404, `"code":"not_found"`)
	st, body = call("PATCH", "/api/todos/"+todo.ID, alice, "application/json", `{"title":"x","revision":"1"}`)
	expect("stale revision", st, body, 409, `"code":"conflict"`)

	// The upload landed in the deployed bucket; its finalized event, as
	// Eventarc would deliver it, reaches attachment-meta.
	bucket := c.fn.function(fnName("attachment-meta")).GetEventTrigger().GetEventFilters()[0].GetValue()
	objs, _, err := c.gcs.ListObjectsWithOptions(bucket, fakestorage.ListOptions{})
	if err != nil || len(objs) != 1 {
		t.Fatalf("the attachments bucket %s holds %d objects (%v); want the upload", bucket, len(objs), err)
	}
	if err := host.DeliverBlob(ctx, "attachment-meta", &sdk.BlobEvent{Kind: sdk.BlobCreated, Bucket: bucket, Key: objs[0].Name,
		Size: objs[0].Size, ContentType: objs[0].ContentType, ETag: objs[0].Etag, Time: time.Now()}); err != nil {
		t.Fatalf("attachment-meta: %v", err)
	}
	st, body = call("GET", "/api/todos/"+todo.ID, alice, "", "")
	expect("the to-do lists its attachment", st, body, 200, `"name":"receipt.txt"`)
	if err := host.FireSchedule(ctx, "purge", &sdk.ScheduleEvent{ID: "tick-1", Time: time.Now()}); err != nil {
		t.Errorf("purge: %v", err)
	}
	st, body = call("DELETE", "/api/todos/"+todo.ID, alice, "", "")
	expect("delete", st, body, 204, "")
	st, body = call("GET", "/api/todos/"+todo.ID, alice, "", "")
	expect("deleted", st, body, 404, `"code":"not_found"`)

	// The events the app published (created, completed, deleted) went to
	// the deployed topic; they wait in the subscription Eventarc made for
	// stats. Deliver them as Eventarc's push would.
	stats := c.fn.function(fnName("stats"))
	sub := c.arc.trigger(stats.GetEventTrigger().GetTrigger()).GetTransport().GetPubsub().GetSubscription()
	if n := deliverSubscription(t, ctx, c, host, subID(sub), "stats", 3); n != 3 {
		t.Fatalf("%d message(s) reached the stats subscription %s; want 3 (todo.created, todo.completed, todo.deleted)", n, sub)
	}
	st, body = call("GET", "/api/stats", alice, "", "")
	expect("stats", st, body, 200, `{"created":1,"completed":1,"deleted":1}`)
	t.Logf("walk-through passed after %s", time.Since(start))
}

// deliverSubscription pulls up to want messages from the subscription and
// delivers each to the Message function, acknowledging those it accepted.
func deliverSubscription(t *testing.T, ctx context.Context, c *cloud, host *gcfhost.Host, sub, function string, want int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	n := 0
	s := c.psc.Subscription(sub)
	s.ReceiveSettings.MaxOutstandingMessages = 1
	err := s.Receive(ctx, func(ctx context.Context, m *pubsub.Message) {
		attempt := 1
		if m.DeliveryAttempt != nil {
			attempt = *m.DeliveryAttempt
		}
		if err := host.DeliverMessage(ctx, function, &sdk.Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, PublishTime: m.PublishTime, Attempt: attempt}); err != nil {
			t.Errorf("delivering %s to %s: %v", m.ID, function, err)
			m.Nack()
			return
		}
		m.Ack()
		mu.Lock()
		defer mu.Unlock()
		if n++; n == want {
			cancel()
		}
	})
	if err != nil {
		t.Fatalf("receiving from %s: %v", sub, err)
	}
	return n
}

// startFirestoreEmulator starts the Firestore emulator and stops it at
// cleanup. It returns the emulator's address and a function that waits
// until it serves.
func startFirestoreEmulator(t *testing.T) (string, func()) {
	t.Helper()
	fs, err := emulators.StartFirestore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Stop)
	return fs.Addr, func() {
		t.Helper()
		if err := fs.Wait(60 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
}
