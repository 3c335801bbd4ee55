//go:build integration

package awsdeploy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/awslambda/dynamottl"
	"github.com/faaskit/faas/sdk"
)

// todoBuild builds examples/todo once per test binary, for linux/amd64
// (this machine's, so TestDeployedConfigRuns can run the deployed zip).
var todoBuild = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "faas-todo-build-")
	if err != nil {
		return "", err
	}
	_, err = Build(context.Background(), "../../examples/todo", dir, &Options{Arch: "amd64"})
	return dir, err
})

// todoTarget returns a deployment of the to-do app at stage, from a copy
// of its build in a fresh directory (so a test may change the code).
func todoTarget(t *testing.T, stage string) *deploy.Target {
	t.Helper()
	src, err := todoBuild()
	if err != nil {
		t.Fatalf("building examples/todo: %v", err)
	}
	dir := t.TempDir()
	for _, f := range []string{ZipName, ManifestName} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var m sdk.Manifest
	b, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &deploy.Target{Stage: stage, Manifest: &m, Artifact: dir, Settings: deploy.Settings{"arch": "amd64"}}
}

// changeCode rewrites the target's zip with a comment: different bytes,
// the same bootstrap (a code-only change).
func changeCode(t *testing.T, tg *deploy.Target, comment string) {
	t.Helper()
	path := filepath.Join(tg.Artifact, ZipName)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := os.Create(path + ".new")
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	zw.SetComment(comment)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// deployOnce plans and applies tg with p, returning the plan, the
// outputs and the mutating calls made.
func deployOnce(t *testing.T, p Provider, c *calls, tg *deploy.Target) (*deploy.Plan, *deploy.Outputs, []string, error) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("deploy (plan + apply) took %v", time.Since(start).Round(time.Millisecond)) }()
	c.reset(c.failAt)
	pl, err := p.Plan(t.Context(), tg)
	if err != nil {
		return nil, nil, c.list(), err
	}
	if n := len(c.list()); n != 0 {
		t.Fatalf("Plan made %d mutating call(s): %v", n, c.list())
	}
	out, err := p.Apply(t.Context(), tg, pl)
	return pl, out, c.list(), err
}

func newProvider() (Provider, *calls) {
	c := &calls{}
	return Provider{APIOptions: []func(*middleware.Stack) error{c.middleware}}, c
}

// count returns how many ops are op.
func count(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

func TestDeployLifecycle(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "dev")
	nfn := len(tg.Manifest.Functions)

	// First deploy: everything is created.
	pl, out, ops, err := deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	for _, ch := range pl.Changes {
		if ch.Action != deploy.Create {
			t.Errorf("first deploy plans %v", ch)
		}
	}
	t.Logf("first deploy: %d changes, %d mutating calls", len(pl.Changes), len(ops))
	if out.URL == "" || !strings.HasPrefix(out.Issuer, "https://cognito-idp.us-east-1.amazonaws.com/") || out.ClientID == "" || out.Audience != out.ClientID {
		t.Errorf("outputs %+v: want the API URL and the Cognito issuer and client", out)
	}
	checkDeployed(t, p, tg, out)

	// No-op redeploy: nothing to change, no mutating call.
	pl, _, ops, err = deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.Empty() || len(ops) != 0 {
		t.Errorf("no-op redeploy: plan %v, mutating calls %v; want none", pl.Changes, ops)
	}

	// Code-only change: one upload, one code update per function, and the lock.
	changeCode(t, tg, "v2")
	pl, _, ops, err = deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("code-only redeploy: %d mutating calls: %v", len(ops), ops)
	want := map[string]int{"S3.PutObject": 2, "Lambda.UpdateFunctionCode": nfn, "S3.DeleteObject": 1} // the artifact, the lock and its release
	checkOps(t, "code-only", ops, want)
	for _, ch := range pl.Changes {
		if len(ch.Diffs) > 0 && ch.Diffs[0].Field != "code_sha256" || len(ch.Diffs) > 1 {
			t.Errorf("code-only plan: %v", ch)
		}
	}

	// Memory change of one function: only that function's configuration.
	for i := range tg.Manifest.Functions {
		if tg.Manifest.Functions[i].Name == "stats" {
			tg.Manifest.Functions[i].MemoryMB = 512
		}
	}
	pl, _, ops, err = deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("memory change: %d mutating calls: %v", len(ops), ops)
	checkOps(t, "memory change", ops, map[string]int{"Lambda.UpdateFunctionConfiguration": 1, "S3.PutObject": 1, "S3.DeleteObject": 1})
	if len(pl.Changes) != 1 || pl.Changes[0].String() != "~ lambda-function todo-dev-stats (memory_mb: 256 → 512)" {
		t.Errorf("memory change plan: %v", pl.Changes)
	}

	// A table whose TTL is on the expiry field itself, as deploys before
	// dynamottl left it, moves to faas_ttl: two TTL updates, nothing else.
	e := testEnv(t, p, tg)
	stats := aws.String("todo-dev-stats")
	for _, spec := range []ddbtypes.TimeToLiveSpecification{{AttributeName: aws.String(dynamottl.Attribute), Enabled: aws.Bool(false)}, {AttributeName: aws.String("expires_at"), Enabled: aws.Bool(true)}} {
		if _, err := e.c.ddb.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{TableName: stats, TimeToLiveSpecification: &spec}); err != nil {
			t.Fatal(err)
		}
	}
	pl, _, ops, err = deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	checkOps(t, "TTL move", ops, map[string]int{"DynamoDB.UpdateTimeToLive": 2, "S3.PutObject": 1, "S3.DeleteObject": 1})
	if len(pl.Changes) != 1 || pl.Changes[0].String() != "~ dynamodb-table todo-dev-stats (ttl: expires_at → faas_ttl)" {
		t.Errorf("TTL move plan: %v", pl.Changes)
	}
	ttl := must(e.c.ddb.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: stats})).TimeToLiveDescription
	if aws.ToString(ttl.AttributeName) != dynamottl.Attribute || ttl.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled {
		t.Errorf("after the TTL move: %s on %s", ttl.TimeToLiveStatus, aws.ToString(ttl.AttributeName))
	}

	// Outputs reads the same outputs back.
	again, err := p.Outputs(t.Context(), tg)
	if err != nil || again.URL != out.URL || again.ClientID != out.ClientID || again.Issuer != out.Issuer {
		t.Errorf("Outputs = %+v, %v; want %+v", again, err, out)
	}

	// Destroy keeps the data, then --delete-data removes it.
	c.reset(0)
	res, err := p.Destroy(t.Context(), tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("destroy: %d mutating calls, deleted %d, kept %v", len(c.list()), len(res.Deleted), res.Kept)
	var kept []string
	for _, r := range res.Kept {
		kept = append(kept, r.Kind)
	}
	slices.Sort(kept)
	if !slices.Equal(kept, []string{kindUserPool, kindTable, kindTable, kindBucket}) { // sorted by kind
		t.Errorf("kept %v; want the user pool, the two tables and the bucket", kept)
	}
	left := owned(t, p, tg)
	for _, r := range left {
		if !slices.ContainsFunc(res.Kept, func(k deploy.Resource) bool { return strings.HasPrefix(k.Name, r.Name) }) {
			t.Errorf("after destroy, %s %s is left and not reported kept", r.Kind, r.Name)
		}
	}
	if len(left) != len(res.Kept) {
		t.Errorf("after destroy: left %v; kept %v", left, res.Kept)
	}
	if _, err := p.Destroy(t.Context(), tg, &deploy.DestroyOptions{DeleteData: true}); err != nil {
		t.Fatal(err)
	}
	if left := owned(t, p, tg); len(left) != 0 {
		t.Errorf("after destroy --delete-data, left: %v", left)
	}
}

func checkOps(t *testing.T, scenario string, ops []string, want map[string]int) {
	t.Helper()
	n := 0
	for op, k := range want {
		if got := count(ops, op); got != k {
			t.Errorf("%s: %d %s call(s); want %d", scenario, got, op, k)
		}
		n += k
	}
	if len(ops) != n {
		t.Errorf("%s: %d mutating calls %v; want %d", scenario, len(ops), ops, n)
	}
}

func TestPlanMakesNoMutatingCall(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "plan")
	pl, err := p.Plan(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.list()) != 0 || pl.Empty() {
		t.Fatalf("plan on an empty account: %d changes, mutating calls %v", len(pl.Changes), c.list())
	}
	kinds := map[string]bool{}
	for _, ch := range pl.Changes {
		kinds[ch.Kind] = true
	}
	for _, k := range []string{kindArtifactBucket, kindArtifact, kindRole, kindLogGroup, kindBucket, kindTable, kindTopic, kindAPI, kindUserPool, kindClient,
		kindDomain, kindFunction, kindQueue, kindSubscription, kindMapping, kindPermission, kindNotification, kindScheduleGroup, kindSchedule, kindIntegration, kindRoute, kindStage} {
		if !kinds[k] {
			t.Errorf("the plan creates no %s", k)
		}
	}
}

func TestFaultInjectionConverges(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "dev")
	if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
		t.Fatal(err)
	}
	clean := snapshot(t, p, tg)
	total := len(c.list())
	for _, k := range []int{1, 3, total / 3, 2 * total / 3, total - 2} {
		resetMoto(t)
		c.reset(k)
		_, _, ops, err := deployOnce(t, p, c, tg)
		var ae *deploy.ApplyError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "InjectedFault") {
			t.Fatalf("k=%d: deploy error %v; want an ApplyError with the injected fault", k, err)
		}
		if len(ae.Done)+len(ae.NotDone) == 0 || len(ae.NotDone) == 0 {
			t.Errorf("k=%d: ApplyError says %d done, %d not done", k, len(ae.Done), len(ae.NotDone))
		}
		_ = ops
		c.reset(0)
		if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
			t.Fatalf("k=%d: the next deploy: %v", k, err)
		}
		pl, err := p.Plan(t.Context(), tg)
		if err != nil || !pl.Empty() {
			t.Fatalf("k=%d: after converging, plan %v, %v; want empty", k, pl.Changes, err)
		}
		if got := snapshot(t, p, tg); !equalSnapshots(got, clean) {
			t.Errorf("k=%d: the converged state differs from a clean deploy's:\n got %v\nwant %v", k, got, clean)
		}
	}
}

func TestLockRefusesSecondDeploy(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "lock")
	if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
		t.Fatal(err)
	}
	e, err := p.newEnv(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	changeCode(t, tg, "locked")
	_, _, ops, err := deployOnce(t, p, c, tg)
	if !errors.Is(err, deploy.ErrLocked) || !strings.Contains(err.Error(), "taken by") {
		t.Fatalf("deploy while locked: %v; want ErrLocked naming the holder", err)
	}
	if len(ops) != 1 { // the refused conditional put
		t.Errorf("deploy while locked made mutating calls %v", ops)
	}
	if err := e.unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
		t.Fatalf("deploy after the lock is released: %v", err)
	}
}

func TestApplyStopsBetweenSteps(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "stop")
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	tg.Progress = func(e deploy.Event) {
		if e.Status == deploy.StatusDone {
			if n++; n == 3 {
				cancel()
			}
		}
	}
	pl, err := p.Plan(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(ctx, tg, pl)
	var ae *deploy.ApplyError
	if !errors.As(err, &ae) || !errors.Is(err, context.Canceled) || len(ae.Done) != 3 {
		t.Fatalf("cancelled apply: %v (done %d); want an ApplyError after 3 finished steps", err, len(ae.Done))
	}
	// The lock was released: the next deploy converges.
	tg.Progress = nil
	c.reset(0)
	if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
		t.Fatal(err)
	}
}

func TestRemovedFunctionIsDeleted(t *testing.T) {
	resetMoto(t)
	p, c := newProvider()
	tg := todoTarget(t, "dev")
	if _, _, _, err := deployOnce(t, p, c, tg); err != nil {
		t.Fatal(err)
	}
	tg.Manifest.Functions = slices.DeleteFunc(tg.Manifest.Functions, func(f sdk.FunctionManifest) bool { return f.Name == "purge" })
	pl, _, ops, err := deployOnce(t, p, c, tg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range pl.Changes {
		got = append(got, ch.String())
	}
	want := []string{"~ iam-role todo-dev-fn (policy: 7 statement(s) → the manifest's)", "- lambda-function todo-dev-purge",
		"- scheduler-schedule todo-dev/purge", "- scheduler-group todo-dev"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("plan %q lacks %q", got, w)
		}
	}
	t.Logf("removing a function: %v", ops)
	if left := owned(t, p, tg); slices.ContainsFunc(left, func(r deploy.Resource) bool { return strings.Contains(r.Name, "purge") }) {
		t.Errorf("after removing purge, left: %v", left)
	}
	if pl, err := p.Plan(t.Context(), tg); err != nil || !pl.Empty() {
		t.Errorf("plan after removing a function: %v, %v", pl.Changes, err)
	}
}
