package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/sdk"
)

// kindFunction is the Cloud Run function (Cloud Functions gen2) kind.
const kindFunction = "cloud-run-function"

// Defaults for functions that declare none.
const (
	defaultMemoryMB = 256
	defaultTimeout  = 60 * time.Second
)

// liveFunctions lists the functions in the region that this app+stage
// owns (by label), by full name.
func (e *env) liveFunctions(ctx context.Context) (map[string]*functionspb.Function, error) {
	live := map[string]*functionspb.Function{}
	it := e.c.fn.ListFunctions(ctx, &functionspb.ListFunctionsRequest{Parent: e.location()})
	for {
		f, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return live, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing functions: %w", err)
		}
		if e.owns(f.GetLabels()) {
			live[f.GetName()] = f
		}
	}
}

// desired is the function fm should be, without its source location,
// which the upload step fills in.
func (e *env) desired(fm *sdk.FunctionManifest) *functionspb.Function {
	mem, timeout := fm.MemoryMB, fm.Timeout
	if mem == 0 {
		mem = defaultMemoryMB
	}
	if timeout == 0 {
		timeout = defaultTimeout
	}
	vars := map[string]string{"FAAS_FUNCTION": fm.Name, "GOOGLE_CLOUD_PROJECT": e.project}
	for _, r := range e.t.Manifest.Resources {
		vars[r.Env] = e.binding(r)
	}
	if e.t.Auth.Issuer != "" {
		vars["FAAS_AUTH_ISSUER"], vars["FAAS_AUTH_AUDIENCE"] = e.t.Auth.Issuer, e.t.Auth.Audience
	}
	labels := e.labels()
	labels[LabelSource] = e.zipHash
	f := &functionspb.Function{
		Name:        e.function(fm.Name),
		Environment: functionspb.Environment_GEN_2,
		Labels:      labels,
		BuildConfig: &functionspb.BuildConfig{Runtime: Runtime, EntryPoint: gcf.EntryPoint(fm.Name)},
		ServiceConfig: &functionspb.ServiceConfig{
			AvailableMemory:      strconv.Itoa(mem) + "M",
			TimeoutSeconds:       int32(timeout / time.Second),
			EnvironmentVariables: vars,
			IngressSettings:      functionspb.ServiceConfig_ALLOW_ALL,
			ServiceAccountEmail:  e.saEmail(e.runtimeSA()),
		},
	}
	switch {
	case fm.Message != nil:
		f.EventTrigger = &functionspb.EventTrigger{
			TriggerRegion: e.region,
			EventType:     gcf.TypeMessagePublished,
			PubsubTopic:   e.topic(fm.Message.Topic),
			RetryPolicy:   functionspb.EventTrigger_RETRY_POLICY_RETRY,
		}
	case fm.Blob != nil && slices.Contains(fm.Blob.Events, sdk.BlobCreated):
		f.EventTrigger = &functionspb.EventTrigger{
			TriggerRegion: e.region,
			EventType:     gcf.TypeObjectFinalized,
			EventFilters:  []*functionspb.EventFilter{{Attribute: "bucket", Value: e.bucketOf(fm.Blob.Bucket)}},
			RetryPolicy:   functionspb.EventTrigger_RETRY_POLICY_RETRY,
		}
	}
	if f.EventTrigger != nil {
		f.EventTrigger.ServiceAccountEmail = e.saEmail(e.invokerSA())
	}
	if fm.Kind == sdk.KindMessage || fm.Kind == sdk.KindBlob {
		// Only Eventarc calls them; Cloud Scheduler's calls count as
		// external, so schedule functions keep ALLOW_ALL behind IAM.
		f.ServiceConfig.IngressSettings = functionspb.ServiceConfig_ALLOW_INTERNAL_ONLY
	}
	return f
}

// bucketOf is the bucket name of the declared bucket resource r (its
// explicit gs:// URL, if declared with one).
func (e *env) bucketOf(r string) string {
	for _, rm := range e.t.Manifest.Resources {
		if rm.Kind == sdk.KindBucket && rm.Name == r && strings.HasPrefix(rm.URL, "gs://") {
			return strings.TrimPrefix(rm.URL, "gs://")
		}
	}
	return e.bucket(r)
}

// platformEnv are the variables Cloud Functions adds to a gen2 function's
// environment by itself; they are not a difference.
var platformEnv = []string{"LOG_EXECUTION_ID"}

// diffFunction compares the live function with the desired one and
// returns the changed fields and their update-mask paths.
func diffFunction(live, want *functionspb.Function) ([]deploy.Diff, []string) {
	var diffs []deploy.Diff
	var paths []string
	add := func(field, path, old, new string) {
		if old != new {
			diffs = append(diffs, deploy.Diff{Field: field, Old: old, New: new})
			paths = append(paths, path)
		}
	}
	add("source", "build_config.source", live.GetLabels()[LabelSource], want.GetLabels()[LabelSource])
	add("entry_point", "build_config.entry_point", live.GetBuildConfig().GetEntryPoint(), want.GetBuildConfig().GetEntryPoint())
	add("runtime", "build_config.runtime", live.GetBuildConfig().GetRuntime(), want.GetBuildConfig().GetRuntime())
	ls, ws := live.GetServiceConfig(), want.GetServiceConfig()
	add("memory", "service_config.available_memory", ls.GetAvailableMemory(), ws.GetAvailableMemory())
	add("timeout_s", "service_config.timeout_seconds", strconv.Itoa(int(ls.GetTimeoutSeconds())), strconv.Itoa(int(ws.GetTimeoutSeconds())))
	add("service_account", "service_config.service_account_email", ls.GetServiceAccountEmail(), ws.GetServiceAccountEmail())
	add("ingress", "service_config.ingress_settings", ls.GetIngressSettings().String(), ws.GetIngressSettings().String())
	liveEnv := maps.Clone(ls.GetEnvironmentVariables())
	for _, k := range platformEnv {
		if _, ok := ws.GetEnvironmentVariables()[k]; !ok {
			delete(liveEnv, k)
		}
	}
	if !maps.Equal(liveEnv, ws.GetEnvironmentVariables()) {
		add("environment", "service_config.environment_variables", envString(liveEnv), envString(ws.GetEnvironmentVariables()))
	}
	add("event_trigger", "event_trigger", triggerString(live.GetEventTrigger()), triggerString(want.GetEventTrigger()))
	if len(paths) > 0 && !slices.Contains(paths, "labels") {
		paths = append(paths, "labels")
	}
	return diffs, paths
}

func envString(m map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kv = append(kv, k+"="+m[k])
	}
	return strings.Join(kv, " ")
}

func triggerString(t *functionspb.EventTrigger) string {
	if t == nil {
		return "none"
	}
	s := t.GetEventType() + " " + t.GetPubsubTopic()
	for _, f := range t.GetEventFilters() {
		s += " " + f.GetAttribute() + "=" + f.GetValue()
	}
	return strings.TrimSpace(s) + " " + t.GetRetryPolicy().String() + " as " + t.GetServiceAccountEmail()
}

// planFunctions plans the source upload (once, if any function needs the
// new source), then creates, updates and deletes the functions.
func planFunctions(ctx context.Context, e *env) ([]step, int, error) {
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return nil, 0, err
	}
	var steps []step
	same, needSource := 0, false
	for i := range e.t.Manifest.Functions {
		fm := &e.t.Manifest.Functions[i]
		want := e.desired(fm)
		cur := live[want.Name]
		delete(live, want.Name)
		if cur == nil {
			needSource = true
			steps = append(steps, step{deploy.Change{Action: deploy.Create, Kind: kindFunction, Name: want.Name}, func(ctx context.Context) error {
				return e.createFunction(ctx, want)
			}})
			continue
		}
		diffs, paths := diffFunction(cur, want)
		if len(diffs) == 0 {
			same++
			continue
		}
		if slices.Contains(paths, "build_config.source") {
			needSource = true
		}
		steps = append(steps, step{deploy.Change{Action: deploy.Update, Kind: kindFunction, Name: want.Name, Diffs: diffs}, func(ctx context.Context) error {
			return e.updateFunction(ctx, want, paths)
		}})
	}
	for _, name := range slices.Sorted(maps.Keys(live)) {
		steps = append(steps, step{deploy.Change{Action: deploy.Delete, Kind: kindFunction, Name: name}, func(ctx context.Context) error {
			return e.deleteFunction(ctx, name)
		}})
	}
	if needSource {
		steps = append([]step{e.uploadStep()}, steps...)
	}
	return steps, same, nil
}

func (e *env) withSource(f *functionspb.Function) error {
	if e.srcObject == "" {
		return errors.New("the source was not uploaded")
	}
	f.BuildConfig.Source = &functionspb.Source{Source: &functionspb.Source_StorageSource{
		StorageSource: &functionspb.StorageSource{Bucket: e.srcBucket, Object: e.srcObject}}}
	return nil
}

func (e *env) createFunction(ctx context.Context, f *functionspb.Function) error {
	if err := e.withSource(f); err != nil {
		return err
	}
	id := f.Name[strings.LastIndex(f.Name, "/")+1:]
	op, err := e.c.fn.CreateFunction(ctx, &functionspb.CreateFunctionRequest{Parent: e.location(), FunctionId: id, Function: f})
	if err != nil {
		return err
	}
	_, err = op.Wait(ctx)
	return err
}

func (e *env) updateFunction(ctx context.Context, f *functionspb.Function, paths []string) error {
	if slices.Contains(paths, "build_config.source") {
		if err := e.withSource(f); err != nil {
			return err
		}
	}
	op, err := e.c.fn.UpdateFunction(ctx, &functionspb.UpdateFunctionRequest{Function: f, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	if err != nil {
		return err
	}
	_, err = op.Wait(ctx)
	return err
}

func (e *env) deleteFunction(ctx context.Context, name string) error {
	op, err := e.c.fn.DeleteFunction(ctx, &functionspb.DeleteFunctionRequest{Name: name})
	if err != nil {
		return err
	}
	return op.Wait(ctx)
}

func destroyFunctions(ctx context.Context, e *env, _ bool, res *deploy.DestroyResult) error {
	live, err := e.liveFunctions(ctx)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(live)) {
		if err := e.deleteFunction(ctx, name); err != nil {
			return err
		}
		e.deleted(res, kindFunction, name)
	}
	return nil
}
