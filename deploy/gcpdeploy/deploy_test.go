package gcpdeploy

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

func fnName(id string) string {
	return "projects/" + testProject + "/locations/" + testRegion + "/functions/todo-dev-" + id
}

func count(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestDeployLifecycle deploys the to-do manifest to the fakes, checks
// every resource and setting, then counts the mutating calls of a no-op
// redeploy, a plan, a code-only and a config-only change, and destroy.
func TestDeployLifecycle(t *testing.T) {
	c := newCloud(t)
	tg := todoTarget(t, "dev")
	ctx := context.Background()

	start := time.Now()
	pl, out, log, err := c.deployOnce(t, tg)
	if err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	t.Logf("first deploy: %d changes, %d mutating calls %v, %s against the fakes", len(pl.Changes), len(log), log, time.Since(start))
	// The deploy bucket and the lock in it (taken and released), 2
	// service accounts, 1 bucket, 1 topic, 1 upload (GenerateUploadUrl +
	// PUT), 2 indexes, stats' TTL policy, a grant on the topic (SetIamPolicy) and on the
	// bucket (storage PUT), 4 functions, 4 invoker bindings, the
	// dead-letter topic and policy, the Pub/Sub service agent's grants on
	// the dead-letter topic and the subscription, roles/datastore.user on
	// the project (a SetIamPolicy on Resource Manager), 1 Eventarc
	// trigger, 1 job.
	want := map[string]int{"lock POST": 1, "lock DELETE": 1, "CreateServiceAccount": 2, "storage POST": 2, "CreateIndex": 2, "UpdateField": 1, "CreateTopic": 2, "UpdateSubscription": 1, "GenerateUploadUrl": 1, "upload PUT": 1,
		"CreateFunction": 4, "SetIamPolicy": 8, "storage PUT": 1, "CreateTrigger": 1, "CreateJob": 1}
	for k, n := range want {
		if got := count(log, k); got != n {
			t.Errorf("first deploy: %d %s calls, want %d (%v)", got, k, n, log)
		}
	}
	if len(log) != 29 {
		t.Errorf("first deploy made %d mutating calls, want 29: %v", len(log), log)
	}
	// stats declares expires_at as its ExpiryField: a TTL policy on it;
	// todos declares none.
	if !c.fs.ttl("projects/faas-test/databases/(default)/collectionGroups/todo-dev-stats/fields/expires_at") || len(c.fs.fields) != 1 {
		t.Errorf("TTL policies %v, want one on todo-dev-stats' expires_at", c.fs.fields)
	}
	// todos' by_owner index (owner, created), in both orders; stats
	// declares none.
	if got, want := c.fs.keys("projects/faas-test/databases/(default)/collectionGroups/todo-dev-todos"), []string{"owner ASCENDING,created ASCENDING", "owner ASCENDING,created DESCENDING"}; !cmp.Equal(got, want) {
		t.Errorf("todos indexes %v, want %v", got, want)
	}
	if out.URL != "https://"+testRegion+"-"+testProject+".cloudfunctions.net/todo-dev-web" && !strings.HasSuffix(out.URL, "/todo-dev-web") {
		t.Errorf("outputs URL %q, want the web function's URL", out.URL)
	}

	// The functions as the fake recorded them.
	web := c.fn.function(fnName("web"))
	if web == nil {
		t.Fatal("function todo-dev-web not created")
	}
	sum, _ := fileHash(tg.Artifact + "/" + BundleFile)
	wantLabels := map[string]string{LabelApp: "todo", LabelStage: "dev", LabelSource: sum}
	if d := cmp.Diff(wantLabels, web.Labels); d != "" {
		t.Errorf("web labels (-want +got):\n%s", d)
	}
	if bc := web.BuildConfig; bc.Runtime != "go126" || bc.EntryPoint != "web" {
		t.Errorf("web build config: runtime %q entry point %q", bc.Runtime, bc.EntryPoint)
	}
	if sc := web.ServiceConfig; sc.AvailableMemory != "256M" || sc.TimeoutSeconds != 30 || sc.IngressSettings != functionspb.ServiceConfig_ALLOW_ALL {
		t.Errorf("web service config: memory %q timeout %d ingress %v", sc.AvailableMemory, sc.TimeoutSeconds, sc.IngressSettings)
	}
	wantEnv := map[string]string{
		"FAAS_FUNCTION":           "web",
		"GOOGLE_CLOUD_PROJECT":    testProject,
		"FAAS_BUCKET_ATTACHMENTS": "gs://todo-dev-attachments-" + (names{project: testProject}).suffix(),
		"FAAS_COLLECTION_TODOS":   "firestore://projects/faas-test/databases/(default)/documents/todo-dev-todos?name_field=id",
		"FAAS_COLLECTION_STATS":   "firestore://projects/faas-test/databases/(default)/documents/todo-dev-stats?name_field=user",
		"FAAS_TOPIC_EVENTS":       "gcppubsub://projects/faas-test/topics/todo-dev-events",
	}
	if d := cmp.Diff(wantEnv, web.ServiceConfig.EnvironmentVariables); d != "" {
		t.Errorf("web environment (-want +got):\n%s", d)
	}
	stats := c.fn.function(fnName("stats"))
	if et := stats.GetEventTrigger(); et.GetEventType() != "google.cloud.pubsub.topic.v1.messagePublished" ||
		et.GetPubsubTopic() != "projects/faas-test/topics/todo-dev-events" || et.GetRetryPolicy() != functionspb.EventTrigger_RETRY_POLICY_RETRY {
		t.Errorf("stats event trigger: %v", et)
	}
	if stats.ServiceConfig.IngressSettings != functionspb.ServiceConfig_ALLOW_INTERNAL_ONLY || stats.ServiceConfig.AvailableMemory != "256M" || stats.ServiceConfig.TimeoutSeconds != 60 {
		t.Errorf("stats service config: %v", stats.ServiceConfig)
	}
	// The subscription Eventarc made for stats dead-letters after 8 deliveries.
	sub := c.arc.trigger(stats.GetEventTrigger().GetTrigger()).GetTransport().GetPubsub().GetSubscription()
	cfg, err := c.psc.Subscription(subID(sub)).Config(ctx)
	if err != nil || cfg.DeadLetterPolicy == nil || cfg.DeadLetterPolicy.DeadLetterTopic != "projects/faas-test/topics/todo-dev-stats-dlq" || cfg.DeadLetterPolicy.MaxDeliveryAttempts != 8 {
		t.Errorf("stats subscription %s: %v, dead letter %+v", sub, err, cfg.DeadLetterPolicy)
	}
	if ok, _ := c.psc.Topic("todo-dev-stats-dlq").Exists(ctx); !ok {
		t.Error("no dead-letter topic todo-dev-stats-dlq")
	}
	// Dead-lettering needs the Pub/Sub service agent to publish to the
	// dead-letter topic and to acknowledge on the source subscription.
	agent := "serviceAccount:service-" + testProjectNumber + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	for res, role := range map[string]string{"projects/faas-test/topics/todo-dev-stats-dlq": "roles/pubsub.publisher", sub: "roles/pubsub.subscriber"} {
		p := c.tpol.policy(res)
		if len(p.Bindings) != 1 || p.Bindings[0].Role != role || !cmp.Equal(p.Bindings[0].Members, []string{agent}) {
			t.Errorf("%s policy %v, want %s for the Pub/Sub service agent only", res, p.Bindings, role)
		}
	}
	thumbs := c.fn.function(fnName("thumbs"))
	if et := thumbs.GetEventTrigger(); et.GetEventType() != "google.cloud.storage.object.v1.finalized" || len(et.EventFilters) != 1 ||
		et.EventFilters[0].Value != "todo-dev-attachments-"+(names{project: testProject}).suffix() {
		t.Errorf("thumbs event trigger: %v", et)
	}
	deleted := c.arc.trigger("projects/faas-test/locations/europe-west1/triggers/todo-dev-thumbs-deleted")
	wantFilters := []string{"type=google.cloud.storage.object.v1.deleted", "bucket=todo-dev-attachments-" + (names{project: testProject}).suffix()}
	var gotFilters []string
	for _, f := range deleted.GetEventFilters() {
		gotFilters = append(gotFilters, f.Attribute+"="+f.Value)
	}
	if !cmp.Equal(gotFilters, wantFilters) || deleted.GetDestination().GetCloudRun().GetService() != "todo-dev-thumbs" ||
		deleted.GetServiceAccount() != "todo-dev-inv@faas-test.iam.gserviceaccount.com" {
		t.Errorf("thumbs deleted trigger: %v", deleted)
	}
	if thumbs.ServiceConfig.AvailableMemory != "512M" || thumbs.ServiceConfig.TimeoutSeconds != 120 {
		t.Errorf("thumbs service config: %v", thumbs.ServiceConfig)
	}
	// Runtime and invoker service accounts; HTTP public, others invoked by
	// the invoker account only.
	fnSA, invSA := "todo-dev-fn@faas-test.iam.gserviceaccount.com", "todo-dev-inv@faas-test.iam.gserviceaccount.com"
	if !c.iam.exists(fnSA) || !c.iam.exists(invSA) {
		t.Errorf("service accounts: %v", c.iam.sas)
	}
	for _, f := range []string{"web", "stats", "thumbs", "purge"} {
		fn := c.fn.function(fnName(f))
		if fn.ServiceConfig.ServiceAccountEmail != fnSA {
			t.Errorf("%s runs as %q, want %s", f, fn.ServiceConfig.ServiceAccountEmail, fnSA)
		}
		member := "serviceAccount:" + invSA
		if f == "web" {
			member = "allUsers"
		}
		p := c.run.policy(fn.ServiceConfig.Service)
		if len(p.Bindings) != 1 || p.Bindings[0].Role != "roles/run.invoker" || !cmp.Equal(p.Bindings[0].Members, []string{member}) {
			t.Errorf("%s service policy %v, want run.invoker for %s only", f, p.Bindings, member)
		}
		if et := fn.EventTrigger; et != nil && et.ServiceAccountEmail != invSA {
			t.Errorf("%s trigger runs as %q", f, et.ServiceAccountEmail)
		}
	}
	// The runtime account may publish to the topic and use the bucket's
	// objects, and nothing more.
	tp := c.tpol.policy("projects/faas-test/topics/todo-dev-events")
	if len(tp.Bindings) != 1 || tp.Bindings[0].Role != "roles/pubsub.publisher" || !cmp.Equal(tp.Bindings[0].Members, []string{"serviceAccount:" + fnSA}) {
		t.Errorf("topic policy %v", tp.Bindings)
	}
	bp := c.bpol.policy("todo-dev-attachments-" + (names{project: testProject}).suffix())
	if len(bp.Bindings) != 1 || bp.Bindings[0].Role != "roles/storage.objectAdmin" || !cmp.Equal(bp.Bindings[0].Members, []string{"serviceAccount:" + fnSA}) {
		t.Errorf("bucket policy %v", bp.Bindings)
	}
	// Firestore has no narrower policy: roles/datastore.user on the
	// project, added beside what the project already had (its owner and a
	// conditional binding, read and written back at version 3).
	if got := c.proj.members(roleFirestore); !cmp.Equal(got, []string{"serviceAccount:" + fnSA}) {
		t.Errorf("project %s members %v, want the runtime account only", roleFirestore, got)
	}
	if got := c.proj.members("roles/owner"); len(got) != 1 || !hasCondition(c.proj.pol.policy("projects/"+testProject)) {
		t.Errorf("the project's other bindings were not kept: owner %v, policy %v", got, c.proj.pol.policy("projects/"+testProject))
	}
	job := c.sched.job("projects/faas-test/locations/europe-west1/jobs/todo-dev-purge")
	purgeURI := c.fn.function(fnName("purge")).ServiceConfig.Uri
	if job == nil || job.Schedule != "0 * * * *" || job.TimeZone != "Etc/UTC" || job.GetHttpTarget().GetUri() != purgeURI ||
		job.GetHttpTarget().GetOidcToken().GetServiceAccountEmail() != invSA || job.GetHttpTarget().GetOidcToken().GetAudience() != purgeURI {
		t.Errorf("purge job %v, want every hour at %s with an OIDC token of %s", job, purgeURI, invSA)
	}
	if tp, err := c.psc.Topic("todo-dev-events").Config(ctx); err != nil || tp.Labels[LabelApp] != "todo" || tp.Labels[LabelStage] != "dev" {
		t.Errorf("topic todo-dev-events: %v, labels %v", err, tp.Labels)
	}
	// fake-gcs-server keeps neither a bucket's location nor its labels.
	if _, err := c.gcs.Client().Bucket("todo-dev-attachments-" + (names{project: testProject}).suffix()).Attrs(ctx); err != nil {
		t.Errorf("bucket: %v", err)
	}

	// A no-op redeploy and a plan: 0 mutating calls.
	pl, _, log, err = c.deployOnce(t, tg)
	if err != nil || !pl.Empty() || len(log) != 0 {
		t.Fatalf("no-op redeploy: err %v, changes %v, mutating calls %v", err, pl.Changes, log)
	}
	if pl.Unchanged != 25 {
		t.Errorf("no-op plan: %d unchanged, want 25 (the deploy bucket, 2 service accounts, 1 bucket, 2 indexes, a TTL policy, 1 topic, 3 grants, 4 functions, 4 bindings, a dead-letter topic and policy, 2 service agent grants, 1 trigger, 1 job)", pl.Unchanged)
	}

	// A code-only change: under the lock, one upload, then every function
	// (they share the bundle) updated in its source only.
	writeSource(t, tg, "v2")
	c.calls.reset(0)
	pl, err = c.p.Plan(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.calls.list()); n != 0 {
		t.Errorf("plan made %d mutating calls", n)
	}
	for _, ch := range pl.Changes {
		if ch.Kind == kindFunction && (ch.Action != deploy.Update || len(ch.Diffs) != 1 || ch.Diffs[0].Field != "source") {
			t.Errorf("code-only change planned %v", ch)
		}
	}
	if _, err := c.p.Apply(ctx, tg, pl); err != nil {
		t.Fatal(err)
	}
	log = c.calls.list()
	t.Logf("code-only change: %d mutating calls %v", len(log), log)
	if count(log, "GenerateUploadUrl") != 1 || count(log, "upload PUT") != 1 || count(log, "UpdateFunction") != 4 || len(log) != 8 {
		t.Errorf("code-only change: mutating calls %v, want the lock taken and released, 1 GenerateUploadUrl, 1 PUT, 4 UpdateFunction", log)
	}
	src := c.fn.function(fnName("web")).BuildConfig.Source.GetStorageSource()
	if !strings.HasSuffix(src.Object, "upload-2.zip") {
		t.Errorf("web source after the code change: %v, want the second upload", src)
	}

	// A config-only change to one function: one update, no upload.
	tg.Manifest.Functions[0].MemoryMB = 1024
	pl, _, log, err = c.deployOnce(t, tg)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(log, []string{"lock POST", "UpdateFunction", "lock DELETE"}) {
		t.Errorf("memory change: mutating calls %v, want one UpdateFunction under the lock", log)
	}
	if want := []deploy.Diff{{Field: "memory", Old: "256M", New: "1024M"}}; len(pl.Changes) != 1 || !cmp.Equal(pl.Changes[0].Diffs, want) {
		t.Errorf("memory change planned %v", pl.Changes)
	}
	if m := c.fn.function(fnName("web")).ServiceConfig.AvailableMemory; m != "1024M" {
		t.Errorf("web memory %q after update", m)
	}

	// A removed function is deleted.
	tg.Manifest.Functions = slices.DeleteFunc(tg.Manifest.Functions, func(f sdkFunction) bool { return f.Name == "thumbs" })
	pl, _, log, err = c.deployOnce(t, tg)
	if err != nil || !cmp.Equal(log, []string{"lock POST", "DeleteTrigger", "DeleteFunction", "lock DELETE"}) || c.fn.function(fnName("thumbs")) != nil || c.arc.trigger("projects/faas-test/locations/europe-west1/triggers/todo-dev-thumbs-deleted") != nil {
		t.Errorf("removing thumbs: err %v, calls %v, plan %v", err, log, pl.Changes)
	}

	// Destroy keeps the bucket; with DeleteData, it goes too.
	c.calls.reset(0)
	res, err := c.p.Destroy(ctx, tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	log = c.calls.list()
	t.Logf("destroy: %d mutating calls %v", len(log), log)
	// Under the lock, which goes with the deploy bucket at the end.
	if count(log, "lock POST") != 1 || count(log, "DeleteJob") != 1 || count(log, "DeleteFunction") != 3 || count(log, "DeleteTopic") != 2 ||
		count(log, "DeleteServiceAccount") != 2 || count(log, "lock DELETE") != 1 || count(log, "storage DELETE") != 1 || count(log, "SetIamPolicy") != 1 || len(log) != 12 {
		t.Errorf("destroy: calls %v", log)
	}
	if got := c.proj.members(roleFirestore); len(got) != 0 || len(c.proj.members("roles/owner")) != 1 {
		t.Errorf("after destroy the project binds %s to %v (want nobody) and owner to %v", roleFirestore, got, c.proj.members("roles/owner"))
	}
	if len(res.Kept) != 6 || res.Kept[0].Kind != kindTTL || res.Kept[1].Kind != kindIndex || res.Kept[3].Kind != kindBucket ||
		res.Kept[4].Kind != kindDocuments || res.Kept[5].Kind != kindDocuments || len(c.fs.bulkDeleted) != 0 {
		t.Errorf("destroy kept %v (bulk deleted %v), want the TTL policy, the 2 indexes, the bucket and both collections' documents", res.Kept, c.fs.bulkDeleted)
	}
	if ok, _ := c.psc.Topic("todo-dev-events").Exists(ctx); ok {
		t.Error("topic survived destroy")
	}
	if _, err := c.p.Outputs(ctx, tg); err == nil {
		t.Error("Outputs after destroy: no error")
	}
	res, err = c.p.Destroy(ctx, tg, &deploy.DestroyOptions{DeleteData: true})
	if err != nil || len(res.Deleted) != 6 || res.Deleted[3].Kind != kindBucket || res.Deleted[5].Kind != kindDocuments || len(c.fs.indexes) != 0 || len(c.fs.fields) != 0 {
		t.Errorf("destroy with data: %v, %v", err, res)
	}
	if want := []string{"todo-dev-stats", "todo-dev-todos"}; !cmp.Equal(c.fs.bulkDeleted, want) {
		t.Errorf("destroy with data bulk-deleted the documents of %v, want %v", c.fs.bulkDeleted, want)
	}
}

// TestLimitsBeforeAnyCall: a target over the limits is refused with every
// problem listed and no call made (the project setting is absent too).
func TestLimitsBeforeAnyCall(t *testing.T) {
	c := newCloud(t)
	tg := todoTarget(t, "dev")
	tg.Manifest.Functions[0].Timeout = 61 * time.Minute
	tg.Manifest.Functions[1].Timeout = 10 * time.Minute
	tg.Manifest.Functions[2].MemoryMB = 64
	tg.Manifest.Functions[3].Schedule.Every = 30 * time.Second
	tg.Manifest.Functions = append(tg.Manifest.Functions, sdkFunction{Name: strings.Repeat("x", 60), Kind: "http"})
	c.calls.reset(0)
	_, err := c.p.Plan(context.Background(), tg)
	var le *deploy.LimitError
	if !errors.As(err, &le) || len(le.Problems) != 5 {
		t.Fatalf("Plan: %v, want a LimitError with 5 problems", err)
	}
	if n := len(c.fn.fns); n != 0 || len(c.calls.list()) != 0 {
		t.Errorf("calls made despite the limits: %v", c.calls.list())
	}
	tg = todoTarget(t, "dev")
	delete(tg.Settings, "project")
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")
	if _, err := c.p.Plan(context.Background(), tg); err == nil || !strings.Contains(err.Error(), "--project") {
		t.Errorf("Plan without a project: %v", err)
	}
}

// TestFaultInjection fails the k-th mutating call of the first deploy,
// for every k, and checks that the ApplyError says what was done and a
// rerun converges to an empty plan.
func TestFaultInjection(t *testing.T) {
	c := newCloud(t)
	_, _, log, err := c.deployOnce(t, todoTarget(t, "dev"))
	if err != nil || len(log) < 10 {
		t.Fatalf("clean deploy: %v, calls %v", err, log)
	}
	for k := 1; k <= len(log); k++ {
		c := newCloud(t)
		tg := todoTarget(t, "dev")
		c.calls.failAt = k
		_, _, _, err := c.deployOnce(t, tg)
		var ae *deploy.ApplyError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "injected fault") {
			t.Fatalf("k=%d: %v, want an ApplyError with the injected fault", k, err)
		}
		c.calls.failAt = 0
		if log[k-1] == "lock DELETE" {
			// Every change was made but the lock stays: a change waits
			// for it to go stale (TestDeployLock), a no-op needs none.
			if len(ae.NotDone) != 0 || !strings.Contains(err.Error(), "releasing the deployment lock") {
				t.Errorf("k=%d (the release of the lock): %v, not done %v", k, err, ae.NotDone)
			}
			if pl, _, log, err := c.deployOnce(t, tg); err != nil || !pl.Empty() || len(log) != 0 {
				t.Errorf("k=%d: after the lock's release failed: err %v, changes %v, calls %v", k, err, pl.Changes, log)
			}
			continue
		}
		if len(ae.Done)+len(ae.NotDone) == 0 || len(ae.NotDone) == 0 {
			t.Errorf("k=%d: ApplyError done %d, not done %d", k, len(ae.Done), len(ae.NotDone))
		}
		if _, out, _, err := c.deployOnce(t, tg); err != nil || out.URL == "" {
			t.Fatalf("k=%d: rerun: %v", k, err)
		}
		if pl, _, log, err := c.deployOnce(t, tg); err != nil || !pl.Empty() || len(log) != 0 {
			t.Errorf("k=%d: after the rerun: err %v, changes %v, calls %v", k, err, pl.Changes, log)
		}
	}
}

// TestFunctionsBuildInParallel: the four functions' creates are in flight
// at once (each is a Cloud Build of minutes); the fake holds each until
// all four have arrived, so a deployer that made them one by one would
// stop at the first with the test's deadline.
func TestFunctionsBuildInParallel(t *testing.T) {
	c := newCloud(t)
	c.fn.barrier = newBarrier(4)
	tg := todoTarget(t, "dev")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pl, err := c.p.Plan(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.p.Apply(ctx, tg, pl); err != nil {
		t.Fatalf("apply with the four creates held together: %v", err)
	}
}

// TestDeployLock: a deploy while another holds the lock fails with
// deploy.ErrLocked naming the holder, after one refused conditional
// create and nothing else; a lock older than lockStale (by the injected
// clock) is broken, said so, and the deploy goes ahead; the broken
// holder's release then deletes nothing of the new lock's.
func TestDeployLock(t *testing.T) {
	c := newCloud(t)
	tg := todoTarget(t, "dev")
	ctx := context.Background()
	if _, _, _, err := c.deployOnce(t, tg); err != nil {
		t.Fatal(err)
	}
	held, err := c.p.newEnv(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	defer held.c.close()
	if err := held.lock(ctx); err != nil {
		t.Fatal(err)
	}
	writeSource(t, tg, "v2")
	_, _, log, err := c.deployOnce(t, tg)
	if !errors.Is(err, deploy.ErrLocked) || !strings.Contains(err.Error(), "taken by "+mustHostname(t)) {
		t.Fatalf("deploy while locked: %v; want ErrLocked naming the holder", err)
	}
	if !cmp.Equal(log, []string{"lock POST"}) {
		t.Errorf("deploy while locked made mutating calls %v; want only the refused lock", log)
	}
	if _, err := c.p.Destroy(ctx, tg, nil); !errors.Is(err, deploy.ErrLocked) {
		t.Errorf("destroy while locked: %v; want ErrLocked", err)
	}
	if c.fn.function(fnName("web")) == nil {
		t.Fatal("destroy while locked deleted the functions")
	}

	// An hour later the lock still holds; past lockStale it is broken.
	c.p.now = func() time.Time { return time.Now().Add(time.Hour) }
	if _, _, _, err := c.deployOnce(t, tg); !errors.Is(err, deploy.ErrLocked) {
		t.Fatalf("deploy an hour into the lock: %v; want ErrLocked", err)
	}
	c.p.now = func() time.Time { return time.Now().Add(lockStale + time.Minute) }
	var events []deploy.Event
	tg.Progress = func(ev deploy.Event) { events = append(events, ev) }
	_, _, log, err = c.deployOnce(t, tg)
	if err != nil {
		t.Fatalf("deploy past a stale lock: %v", err)
	}
	if want := []string{"lock POST", "lock DELETE", "lock POST"}; !cmp.Equal(log[:3], want) || log[len(log)-1] != "lock DELETE" || count(log, "UpdateFunction") != 4 {
		t.Errorf("deploy past a stale lock: calls %v; want %v, the code change, then the release", log, want)
	}
	broke := slices.IndexFunc(events, func(ev deploy.Event) bool {
		return ev.Kind == kindLock && ev.Action == deploy.Delete && strings.Contains(ev.Name, "stale: taken by "+mustHostname(t))
	})
	if broke < 0 {
		t.Errorf("no progress event says the stale lock was broken: %v", events)
	}
	// The old holder's release finds its lock gone.
	if err := held.unlock(ctx); err != nil {
		t.Errorf("the broken holder's release: %v", err)
	}
	tg.Progress = nil
	c.p.now = nil
	writeSource(t, tg, "v3")
	if _, _, _, err := c.deployOnce(t, tg); err != nil {
		t.Fatalf("deploy after the lock is released: %v", err)
	}
}

func mustHostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestTTLPolicy: a TTL policy follows the collection's ExpiryField: a
// moved field is one UpdateField off the old field and one on the new,
// a removed one is turned off, and each converges to a no-op.
func TestTTLPolicy(t *testing.T) {
	c := newCloud(t)
	tg := todoTarget(t, "dev")
	if _, _, _, err := c.deployOnce(t, tg); err != nil {
		t.Fatal(err)
	}
	stats := slices.IndexFunc(tg.Manifest.Resources, func(r sdk.ResourceManifest) bool { return r.Name == "stats" })
	field := func(f string) string {
		return "projects/faas-test/databases/(default)/collectionGroups/todo-dev-stats/fields/" + f
	}
	for _, tc := range []struct {
		expiry string
		calls  []string
		on     []string
	}{
		{"purge_at", []string{"lock POST", "UpdateField", "UpdateField", "lock DELETE"}, []string{field("purge_at")}},
		{"", []string{"lock POST", "UpdateField", "lock DELETE"}, nil},
		{"expires_at", []string{"lock POST", "UpdateField", "lock DELETE"}, []string{field("expires_at")}},
	} {
		tg.Manifest.Resources[stats].ExpiryField = tc.expiry
		_, _, log, err := c.deployOnce(t, tg)
		if err != nil || !cmp.Equal(log, tc.calls) {
			t.Errorf("expiry field %q: err %v, calls %v; want %v", tc.expiry, err, log, tc.calls)
		}
		var on []string
		for name := range c.fs.fields {
			if c.fs.ttl(name) {
				on = append(on, name)
			}
		}
		if !cmp.Equal(on, tc.on, cmpopts.EquateEmpty()) {
			t.Errorf("expiry field %q: TTL policies on %v; want %v", tc.expiry, on, tc.on)
		}
		if pl, _, log, err := c.deployOnce(t, tg); err != nil || !pl.Empty() || len(log) != 0 {
			t.Errorf("expiry field %q: redeploy: err %v, changes %v, calls %v", tc.expiry, err, pl.Changes, log)
		}
	}
}
