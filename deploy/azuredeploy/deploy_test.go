package azuredeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/eventgrid/armeventgrid/v2"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/sdk"
)

func target(m *sdk.Manifest, dir string) *deploy.Target {
	return &deploy.Target{Stage: "dev", Manifest: m, Artifact: dir,
		Settings: deploy.Settings{"subscription": "00000000-0000-0000-0000-000000000001", "location": "westeurope"}}
}

func deployOnce(t *testing.T, p Provider, tg *deploy.Target) (*deploy.Plan, *deploy.Outputs, error) {
	t.Helper()
	ctx := context.Background()
	pl, err := p.Plan(ctx, tg)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	out, err := p.Apply(ctx, tg, pl)
	return pl, out, err
}

// TestDeployLifecycle deploys the to-do app to the fake cloud and counts
// the mutating calls of each scenario.
func TestDeployLifecycle(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	ctx := context.Background()

	pl, out, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	first := c.mutating()
	// The data group, its template and hash tag unlocked (the lock's
	// container comes with that template), then the rest under the lock.
	wantFirst := []string{"PUT todo-dev-data", "PUT " + deploymentData, "PATCH todo-dev-data", "POST lease", "PATCH " + lockContainer,
		"PUT todo-dev", "PUT " + deploymentApp, "PUT " + envOf(t, p, tg).systemTopic(), "PUT attachment-meta", "PATCH todo-dev", "POST lease"}
	if got := c.callTails(); !slices.Equal(got, wantFirst) {
		t.Errorf("first deploy: mutating calls %v, want %v", got, wantFirst)
	}
	if !slices.Equal(c.leaseLog, []string{"Acquire ok", "Release ok"}) {
		t.Errorf("first deploy: lease calls %v; want the lock taken (once the data template made its container) and released", c.leaseLog)
	}
	t.Logf("first deploy: %d mutating ARM calls, %d OneDeploy publish; %d changes", first, len(c.published), len(pl.Changes))
	if len(c.published) != 1 {
		t.Fatalf("published %d times, want 1", len(c.published))
	}
	if !strings.HasPrefix(out.URL, "https://todo-dev-") || !strings.HasSuffix(out.URL, ".azurewebsites.net") {
		t.Errorf("URL = %q", out.URL)
	}
	if len(c.groups) != 2 {
		t.Errorf("groups = %d, want the app's and the data group", len(c.groups))
	}

	// No-op: GETs only.
	c.reset()
	pl, _, err = deployOnce(t, p, tg)
	if err != nil || !pl.Empty() || c.mutating() != 0 {
		t.Fatalf("no-op redeploy: err %v, changes %v, %d mutating calls %v", err, pl.Changes, c.mutating(), c.calls)
	}
	// A rebuild with the same code has a new trigger key: the deployer pins the live one.
	c.reset()
	tg.Artifact = writePackage(t, m, "v1")
	pl, _, err = deployOnce(t, p, tg)
	if err != nil || !pl.Empty() || c.mutating() != 0 {
		t.Fatalf("rebuild, same code: err %v, changes %v, %d mutating calls", err, pl.Changes, c.mutating())
	}

	// Code only: the package and the tag that records its hash.
	c.reset()
	tg.Artifact = writePackage(t, m, "v2")
	pl, _, err = deployOnce(t, p, tg)
	if err != nil {
		t.Fatal(err)
	}
	// Under the lock: its lease, its holder's metadata, the tag, the release.
	wantCalls := []string{"POST lease", "PATCH " + lockContainer, "PATCH todo-dev", "POST lease"}
	if len(pl.Changes) != 2 || pl.Changes[0].Kind != "function-package" || !slices.Equal(c.callTails(), wantCalls) || len(c.published) != 2 {
		t.Fatalf("code-only: changes %v, mutating ARM calls %v (want %v), %d publishes", pl.Changes, c.callTails(), wantCalls, len(c.published))
	}
	if !slices.Equal(c.leaseLog, []string{"Acquire ok", "Release ok"}) {
		t.Errorf("code-only: lease calls %v; want the lock taken and released", c.leaseLog)
	}
	codeOnly := c.mutating()

	// Plan of a changed template: What-If, no mutating call.
	c.reset()
	m2 := todo.App().Manifest()
	m2.Resources = append(m2.Resources, sdk.ResourceManifest{Name: "extra", Kind: sdk.KindBucket})
	tg2 := target(m2, tg.Artifact)
	pl, err = p.Plan(ctx, tg2)
	if err != nil || pl.Empty() || c.mutating() != 0 {
		t.Fatalf("plan: err %v, changes %v, %d mutating", err, pl.Changes, c.mutating())
	}
	var sawCreate bool
	for _, ch := range pl.Changes {
		for _, d := range ch.Diffs {
			if strings.HasSuffix(d.Field, "/default/extra") && d.New == "create" {
				sawCreate = true
			}
		}
	}
	if !sawCreate {
		t.Errorf("What-If summary lacks the new container: %v", pl.Changes)
	}

	// Destroy keeps the data group.
	c.reset()
	res, err := p.Destroy(ctx, tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	destroyCalls := c.mutating()
	if want := []string{"POST lease", "PATCH " + lockContainer, "DELETE todo-dev", "POST lease"}; !slices.Equal(c.callTails(), want) {
		t.Errorf("destroy: mutating calls %v, want %v", c.callTails(), want)
	}
	if _, ok := c.groups["todo-dev"]; ok {
		t.Error("the app group survived destroy")
	}
	if _, ok := c.groups["todo-dev-data"]; !ok || len(res.Kept) == 0 {
		t.Errorf("destroy without --delete-data deleted the data group (kept %v)", res.Kept)
	}
	c.reset()
	if _, err := p.Destroy(ctx, tg, &deploy.DestroyOptions{DeleteData: true}); err != nil {
		t.Fatal(err)
	}
	if len(c.groups) != 0 {
		t.Errorf("groups left after --delete-data: %v", c.groups)
	}
	// The release finds the container gone with its group (a 404, ignored).
	if want := []string{"POST lease", "PATCH " + lockContainer, "DELETE todo-dev-data", "POST lease"}; !slices.Equal(c.callTails(), want) {
		t.Errorf("destroy --delete-data: mutating calls %v, want %v", c.callTails(), want)
	}
	t.Logf("mutating ARM calls: first deploy %d, no-op 0, code-only %d (+1 publish), plan 0, destroy %d, destroy --delete-data %d", first, codeOnly, destroyCalls, c.mutating())
}

// TestDestroyRefusesForeignResources: a resource without the app+stage's
// tags in the group stops destroy before any delete.
func TestDestroyRefusesForeignResources(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatal(err)
	}
	c.groups["todo-dev"].res = append(c.groups["todo-dev"].res, foreignVM())
	c.reset()
	_, err := p.Destroy(context.Background(), tg, nil)
	if err == nil || !strings.Contains(err.Error(), "not todo-dev's") || c.mutating() != 0 {
		t.Fatalf("Destroy = %v after %d mutating calls; want a refusal and none", err, c.mutating())
	}
}

// TestFaultConvergence fails each mutating call of the first deploy in
// turn; the rerun converges, and then a redeploy is a no-op.
func TestFaultConvergence(t *testing.T) {
	m := todo.App().Manifest()
	dir := writePackage(t, m, "v1")
	probe := newCloud(t)
	if _, _, err := deployOnce(t, Provider{Deploy: probe.options()}, target(m, dir)); err != nil {
		t.Fatal(err)
	}
	total := probe.mutating()
	for n := 1; n <= total; n++ {
		c := newCloud(t)
		p := Provider{Deploy: c.options()}
		tg := target(m, dir)
		c.failAt = n
		_, _, err := deployOnce(t, p, tg)
		var ae *deploy.ApplyError
		switch {
		case errors.As(err, &ae) && len(ae.NotDone) == 0 && strings.Contains(err.Error(), "releasing the deploy lock"):
			// Everything applied but the lease's release: it expires.
			c.clock = c.clock.Add(lockLease * time.Second)
		case !errors.As(err, &ae) || len(ae.NotDone) == 0:
			t.Fatalf("fault at call %d: err = %v, want an ApplyError", n, err)
		}
		c.reset()
		if _, _, err := deployOnce(t, p, tg); err != nil {
			t.Fatalf("fault at call %d: rerun: %v", n, err)
		}
		c.reset()
		if pl, _, err := deployOnce(t, p, tg); err != nil || !pl.Empty() || c.mutating() != 0 {
			t.Fatalf("fault at call %d: after the rerun: err %v, changes %v", n, err, pl.Changes)
		}
	}
}

// TestRemovedFunctionsDeleted: a redeploy without the Message and
// BlobEvent functions deletes their Service Bus and Event Grid
// subscriptions (incremental deployments never delete), and converges.
func TestRemovedFunctionsDeleted(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	if _, _, err := deployOnce(t, p, tg); err != nil {
		t.Fatal(err)
	}
	var kept []sdk.FunctionManifest
	for _, f := range m.Functions {
		if f.Kind != sdk.KindMessage && f.Kind != sdk.KindBlob {
			kept = append(kept, f)
		}
	}
	m.Functions = kept
	tg.Artifact = writePackage(t, m, "v1")
	c.reset()
	pl, _, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatal(err)
	}
	var deletes []string
	for _, ch := range pl.Changes {
		if ch.Action == deploy.Delete {
			deletes = append(deletes, ch.Kind+" "+ch.Name)
		}
	}
	if len(deletes) != 2 || !strings.Contains(deletes[0], "eventgrid-subscription attachment-meta") || !strings.HasSuffix(deletes[1], "/events/stats") {
		t.Errorf("deletes = %q, want the Event Grid and the Service Bus subscription", deletes)
	}
	if len(c.egSubs) != 0 || len(c.deleted) != 1 || !strings.HasSuffix(c.deleted[0], "/topics/events/subscriptions/stats") {
		t.Errorf("left: Event Grid %v; deleted by ID %v", c.egSubs, c.deleted)
	}
	c.reset()
	if pl, _, err := deployOnce(t, p, tg); err != nil || !pl.Empty() || c.mutating() != 0 {
		t.Fatalf("after: %v %v", err, pl.Changes)
	}
}

// TestPublishFaultConvergence: a failed upload leaves the package hash
// unrecorded, so the rerun uploads again and then records it.
func TestPublishFaultConvergence(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	c.failPublish = true
	_, _, err := deployOnce(t, p, tg)
	var ae *deploy.ApplyError
	if !errors.As(err, &ae) || ae.NotDone[0].Kind != "function-package" {
		t.Fatalf("first deploy = %v, want an ApplyError at the package", err)
	}
	c.reset()
	pl, _, err := deployOnce(t, p, tg)
	if err != nil || len(c.published) != 1 || pl.Changes[0].Kind != "arm-deployment" {
		t.Fatalf("rerun: %v, %d publishes, changes %v", err, len(c.published), pl.Changes)
	}
	c.reset()
	if pl, _, err := deployOnce(t, p, tg); err != nil || !pl.Empty() || c.mutating() != 0 {
		t.Fatalf("after the rerun: %v %v", err, pl.Changes)
	}
}

// TestForgedTriggersClosed: the deployed package names every non-HTTP
// function's folder with the pinned key, which the app settings carry and
// no HTTP route reaches; the Event Grid subscription targets that folder.
func TestForgedTriggersClosed(t *testing.T) {
	c := newCloud(t)
	p := Provider{Deploy: c.options()}
	m := todo.App().Manifest()
	tg := target(m, writePackage(t, m, "v1"))
	pl, _, err := deployOnce(t, p, tg)
	if err != nil {
		t.Fatal(err)
	}
	key := pl.State.(*state).e.pkg.key
	if azurefunc.CheckTriggerKey(key) != nil {
		t.Fatalf("pinned key %q malformed", key)
	}
	if s := appSetting(pl.State.(*state).e.appTpl, settingTriggerKey); s != key {
		t.Errorf("app setting %s = %q, want the pinned key", settingTriggerKey, s)
	}
	zr, err := zip.NewReader(bytes.NewReader(c.published[0]), int64(len(c.published[0])))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]sdk.Kind{}
	for _, f := range m.Functions {
		kinds[f.Name] = f.Kind
	}
	var keyed int
	for _, f := range zr.File {
		dir, rest, _ := strings.Cut(f.Name, "/")
		if f.Name == HandlerName && f.Mode().Perm() != 0o755 {
			t.Errorf("handler mode %v, want 0755", f.Mode())
		}
		if rest != "function.json" {
			continue
		}
		if name, k, ok := azurefunc.SplitTriggerFunctionName(dir); ok {
			keyed++
			if k != key || kinds[name] == sdk.KindHTTP {
				t.Errorf("folder %s: key %s (pinned %s), kind %s", dir, k, key, kinds[name])
			}
		} else if kinds[dir] != sdk.KindHTTP {
			t.Errorf("non-HTTP function %q deployed at the guessable folder %q", dir, dir)
		}
	}
	if keyed == 0 {
		t.Fatal("no keyed trigger folder in the to-do app's package")
	}
	for _, f := range m.Functions {
		if f.Kind == sdk.KindHTTP && strings.Contains(f.HTTP.Path, key) {
			t.Errorf("HTTP route %s contains the key", f.HTTP.Path)
		}
	}
	for name, s := range c.egSubs {
		dst, ok := s.Properties.Destination.(*armeventgrid.AzureFunctionEventSubscriptionDestination)
		if !ok || !strings.HasSuffix(*dst.Properties.ResourceID, "/functions/"+azurefunc.TriggerFunctionName(name, key)) {
			t.Errorf("Event Grid subscription %s: destination %#v, want the keyed function", name, s.Properties.Destination)
		}
	}
	if len(c.egSubs) == 0 {
		t.Error("no Event Grid subscription for the to-do app's blob function")
	}
}

func appSetting(tpl *Template, name string) string {
	for _, r := range tpl.Resources {
		if r.Type != "Microsoft.Web/sites" {
			continue
		}
		for _, s := range r.Properties["siteConfig"].(map[string]any)["appSettings"].([]any) {
			if kv := s.(map[string]any); kv["name"] == name {
				return kv["value"].(string)
			}
		}
	}
	return ""
}

// TestAuthIssuer: --auth-issuer and --auth-audience reach the app
// settings the handler reads (sdk/auth.ConfigFromEnv), and change the
// template's hash, so a redeploy applies them.
func TestAuthIssuer(t *testing.T) {
	m := todo.App().Manifest()
	base := &templates{n: names{app: "todo", stage: "dev", sub: "s"}, m: m, location: "westeurope", key: strings.Repeat("0", 32)}
	withAuth := *base
	withAuth.auth = deploy.Auth{Issuer: "https://login.microsoftonline.com/tenant/v2.0", Audience: "api://todo"}
	tpl := withAuth.app()
	for k, want := range map[string]string{"FAAS_AUTH_ISSUER": withAuth.auth.Issuer, "FAAS_AUTH_AUDIENCE": "api://todo", "FAAS_AUTH_CLIENT_ID": "api://todo"} {
		if got := appSetting(tpl, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if appSetting(base.app(), "FAAS_AUTH_ISSUER") != "" {
		t.Error("FAAS_AUTH_ISSUER set without --auth-issuer")
	}
	if tpl.Hash() == base.app().Hash() {
		t.Error("the issuer does not change the template hash")
	}
}

// envOf is the env of a target, for its names.
func envOf(t *testing.T, p Provider, tg *deploy.Target) *env {
	t.Helper()
	e, err := p.newEnv(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
