package gcpdeploy

// The Cloud Functions v2 control plane has no emulator: these tests run
// the real cloud.google.com/go/functions/apiv2 client against an
// in-process fake built on the client package's own generated
// RegisterFunctionServiceServer and longrunning's
// RegisterOperationsServer, connected through option.WithEndpoint,
// option.WithoutAuthentication and insecure gRPC credentials. The fake
// keeps state, runs each long-running operation to completion on its
// first poll, and rejects what the real API rejects (the required fields
// and formats of cloudfunctions-api.json in /work/shared/schemas/gcp).
// Pub/Sub runs on pstest and Cloud Storage (buckets and the signed upload
// URL) on fake-gcs-server.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

var (
	locationRE   = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+$`)
	fnIDRE       = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	memoryRE     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(k|M|G|Mi|Gi)?$`)
	topicRE      = regexp.MustCompile(`^projects/[^/]+/topics/[^/]+$`)
	labelRE      = regexp.MustCompile(`^[a-z][-_a-z0-9]{0,62}$`)
	labelValueRE = regexp.MustCompile(`^[-_a-z0-9]{0,63}$`)
)

// updatable are the update-mask paths the fake accepts.
var updatable = []string{
	"build_config.source", "build_config.entry_point", "build_config.runtime",
	"service_config.available_memory", "service_config.timeout_seconds",
	"service_config.ingress_settings", "service_config.environment_variables",
	"service_config.service_account_email",
	"event_trigger", "labels",
}

// longrunningOp shortens the operation type in the fakes' signatures.
type longrunningOp = longrunningpb.Operation

// fakeFunctions is the fake FunctionService and Operations server.
type fakeFunctions struct {
	functionspb.UnimplementedFunctionServiceServer
	longrunningpb.UnimplementedOperationsServer

	// objectExists reports whether an uploaded source object exists (in
	// fake-gcs-server); topicExists whether a Pub/Sub topic does (pstest).
	objectExists func(bucket, object string) bool
	topicExists  func(name string) bool
	saExists     func(email string) bool
	// provision, as Cloud Functions does for a Pub/Sub event trigger,
	// creates the Eventarc trigger and its subscription and returns the
	// trigger's name; unprovision deletes them with the function.
	provision   func(fn *functionspb.Function) (string, error)
	unprovision func(trigger string)
	// barrier, if set, holds each CreateFunction until that many are in
	// flight at once (or the caller gives up).
	barrier      *barrier
	uploadBucket string
	uploadHost   string

	mu      sync.Mutex
	fns     map[string]*functionspb.Function
	ops     map[string]*longrunningpb.Operation
	uploads int
	seq     int
}

func newFakeFunctions() *fakeFunctions {
	return &fakeFunctions{fns: map[string]*functionspb.Function{}, ops: map[string]*longrunningpb.Operation{}}
}

func (f *fakeFunctions) function(name string) *functionspb.Function {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fn := f.fns[name]; fn != nil {
		return proto.Clone(fn).(*functionspb.Function)
	}
	return nil
}

// provisionTrigger gives a Pub/Sub-triggered function its Eventarc
// trigger, once.
func (f *fakeFunctions) provisionTrigger(fn *functionspb.Function) error {
	et := fn.GetEventTrigger()
	if et.GetPubsubTopic() == "" || et.GetTrigger() != "" {
		return nil
	}
	t, err := f.provision(fn)
	if err != nil {
		return status.Errorf(codes.Internal, "creating the Eventarc trigger: %v", err)
	}
	et.Trigger = t
	return nil
}

// serviceExists reports whether a function's Cloud Run service exists.
func (f *fakeFunctions) serviceExists(svc string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.fns {
		if fn.GetServiceConfig().GetService() == svc {
			return true
		}
	}
	return false
}

// operation records a pending operation whose result is res (or err).
func (f *fakeFunctions) operation(res proto.Message) (*longrunningpb.Operation, error) {
	f.seq++
	name := "operations/op-" + strconv.Itoa(f.seq)
	any, err := anypb.New(res)
	if err != nil {
		return nil, err
	}
	meta, _ := anypb.New(&functionspb.OperationMetadata{Target: name})
	f.ops[name] = &longrunningpb.Operation{Name: name, Done: true, Metadata: meta, Result: &longrunningpb.Operation_Response{Response: any}}
	return &longrunningpb.Operation{Name: name, Metadata: meta}, nil
}

func (f *fakeFunctions) GetOperation(_ context.Context, r *longrunningpb.GetOperationRequest) (*longrunningpb.Operation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	op, ok := f.ops[r.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "operation %s not found", r.GetName())
	}
	return op, nil
}

func (f *fakeFunctions) GenerateUploadUrl(_ context.Context, r *functionspb.GenerateUploadUrlRequest) (*functionspb.GenerateUploadUrlResponse, error) {
	if !locationRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q must be projects/*/locations/*", r.GetParent())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads++
	obj := fmt.Sprintf("%s/upload-%d.zip", strings.ReplaceAll(r.GetParent(), "/", "-"), f.uploads)
	return &functionspb.GenerateUploadUrlResponse{
		UploadUrl:     fmt.Sprintf("https://%s/%s/%s?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=fake&X-Goog-Expires=1800&X-Goog-SignedHeaders=content-type%%3Bhost&X-Goog-Signature=00", f.uploadHost, f.uploadBucket, obj),
		StorageSource: &functionspb.StorageSource{Bucket: f.uploadBucket, Object: obj},
	}, nil
}

func (f *fakeFunctions) GetFunction(_ context.Context, r *functionspb.GetFunctionRequest) (*functionspb.Function, error) {
	if fn := f.function(r.GetName()); fn != nil {
		return fn, nil
	}
	return nil, status.Errorf(codes.NotFound, "function %s not found", r.GetName())
}

func (f *fakeFunctions) ListFunctions(_ context.Context, r *functionspb.ListFunctionsRequest) (*functionspb.ListFunctionsResponse, error) {
	if !locationRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q must be projects/*/locations/*", r.GetParent())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &functionspb.ListFunctionsResponse{}
	for name, fn := range f.fns {
		if strings.HasPrefix(name, r.GetParent()+"/functions/") {
			res.Functions = append(res.Functions, proto.Clone(fn).(*functionspb.Function))
		}
	}
	slices.SortFunc(res.Functions, func(a, b *functionspb.Function) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

// validate checks a complete function as CreateFunction (or the merged
// result of UpdateFunction) must be.
func (f *fakeFunctions) validate(fn *functionspb.Function) error {
	bad := func(format string, a ...any) error { return status.Errorf(codes.InvalidArgument, format, a...) }
	bc, sc := fn.GetBuildConfig(), fn.GetServiceConfig()
	if fn.GetEnvironment() != functionspb.Environment_GEN_2 {
		return bad("environment must be GEN_2")
	}
	if bc.GetRuntime() == "" || bc.GetEntryPoint() == "" {
		return bad("build_config.runtime and build_config.entry_point are required")
	}
	src := bc.GetSource().GetStorageSource()
	if src.GetBucket() == "" || src.GetObject() == "" {
		return bad("build_config.source.storage_source.bucket and object are required")
	}
	if !f.objectExists(src.GetBucket(), src.GetObject()) {
		return status.Errorf(codes.FailedPrecondition, "source gs://%s/%s does not exist (not uploaded)", src.GetBucket(), src.GetObject())
	}
	if sa := sc.GetServiceAccountEmail(); sa != "" && !f.saExists(sa) {
		return bad("service_config.service_account_email %q does not exist", sa)
	}
	if sa := fn.GetEventTrigger().GetServiceAccountEmail(); sa != "" && !f.saExists(sa) {
		return bad("event_trigger.service_account_email %q does not exist", sa)
	}
	if m := sc.GetAvailableMemory(); m != "" && !memoryRE.MatchString(m) {
		return bad("service_config.available_memory %q is not a quantity", m)
	}
	max := int32(3600)
	if fn.GetEventTrigger() != nil {
		max = 540
	}
	if t := sc.GetTimeoutSeconds(); t < 0 || t > max {
		return bad("service_config.timeout_seconds %d must be at most %d", t, max)
	}
	for k, v := range fn.GetLabels() {
		if !labelRE.MatchString(k) || !labelValueRE.MatchString(v) {
			return bad("label %s=%s: keys and values are lowercase letters, digits, - and _ (at most 63)", k, v)
		}
	}
	if et := fn.GetEventTrigger(); et != nil {
		if et.GetEventType() == "" {
			return bad("event_trigger.event_type is required")
		}
		if t := et.GetPubsubTopic(); t != "" {
			if !topicRE.MatchString(t) {
				return bad("event_trigger.pubsub_topic %q must be projects/*/topics/*", t)
			}
			if !f.topicExists(t) {
				return status.Errorf(codes.FailedPrecondition, "topic %s does not exist", t)
			}
		}
	}
	return nil
}

func (f *fakeFunctions) CreateFunction(ctx context.Context, r *functionspb.CreateFunctionRequest) (*longrunningpb.Operation, error) {
	if f.barrier != nil {
		if err := f.barrier.wait(ctx); err != nil {
			return nil, status.Errorf(codes.DeadlineExceeded, "barrier: %v", err)
		}
	}
	if !locationRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q must be projects/*/locations/*", r.GetParent())
	}
	if !fnIDRE.MatchString(r.GetFunctionId()) {
		return nil, status.Errorf(codes.InvalidArgument, "function_id %q must match %s", r.GetFunctionId(), fnIDRE)
	}
	fn := proto.Clone(r.GetFunction()).(*functionspb.Function)
	name := r.GetParent() + "/functions/" + r.GetFunctionId()
	if fn.Name != "" && fn.Name != name {
		return nil, status.Errorf(codes.InvalidArgument, "function.name %q does not match parent and function_id", fn.Name)
	}
	fn.Name = name
	if err := f.validate(fn); err != nil {
		return nil, err
	}
	if f.function(name) != nil {
		return nil, status.Errorf(codes.AlreadyExists, "function %s already exists", name)
	}
	if err := f.provisionTrigger(fn); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fn.State = functionspb.Function_ACTIVE
	id := name[strings.LastIndex(name, "/")+1:]
	fn.ServiceConfig.Service = r.GetParent() + "/services/" + id
	fn.ServiceConfig.Uri = "https://" + id + "-fake.a.run.app"
	fn.Url = fmt.Sprintf("https://%s.cloudfunctions.net/%s", strings.Split(r.GetParent(), "/")[3], id)
	f.fns[name] = fn
	return f.operation(fn)
}

func (f *fakeFunctions) UpdateFunction(_ context.Context, r *functionspb.UpdateFunctionRequest) (*longrunningpb.Operation, error) {
	name := r.GetFunction().GetName()
	cur := f.function(name)
	if cur == nil {
		return nil, status.Errorf(codes.NotFound, "function %s not found", name)
	}
	if len(r.GetUpdateMask().GetPaths()) == 0 {
		return nil, status.Errorf(codes.InvalidArgument, "update_mask is required")
	}
	in := r.GetFunction()
	for _, p := range r.GetUpdateMask().GetPaths() {
		switch p {
		case "build_config.source":
			cur.BuildConfig.Source = in.GetBuildConfig().GetSource()
		case "build_config.entry_point":
			cur.BuildConfig.EntryPoint = in.GetBuildConfig().GetEntryPoint()
		case "build_config.runtime":
			cur.BuildConfig.Runtime = in.GetBuildConfig().GetRuntime()
		case "service_config.available_memory":
			cur.ServiceConfig.AvailableMemory = in.GetServiceConfig().GetAvailableMemory()
		case "service_config.timeout_seconds":
			cur.ServiceConfig.TimeoutSeconds = in.GetServiceConfig().GetTimeoutSeconds()
		case "service_config.ingress_settings":
			cur.ServiceConfig.IngressSettings = in.GetServiceConfig().GetIngressSettings()
		case "service_config.service_account_email":
			cur.ServiceConfig.ServiceAccountEmail = in.GetServiceConfig().GetServiceAccountEmail()
		case "service_config.environment_variables":
			cur.ServiceConfig.EnvironmentVariables = in.GetServiceConfig().GetEnvironmentVariables()
		case "event_trigger":
			old := cur.GetEventTrigger().GetTrigger()
			cur.EventTrigger = in.GetEventTrigger()
			if cur.EventTrigger != nil && cur.EventTrigger.GetPubsubTopic() != "" {
				cur.EventTrigger.Trigger = old
			} else if old != "" {
				f.unprovision(old)
			}
		case "labels":
			cur.Labels = in.GetLabels()
		default:
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path %q is not one of %v", p, updatable)
		}
	}
	if err := f.validate(cur); err != nil {
		return nil, err
	}
	if err := f.provisionTrigger(cur); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fns[name] = cur
	return f.operation(cur)
}

func (f *fakeFunctions) DeleteFunction(_ context.Context, r *functionspb.DeleteFunctionRequest) (*longrunningpb.Operation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn := f.fns[r.GetName()]
	if fn == nil {
		return nil, status.Errorf(codes.NotFound, "function %s not found", r.GetName())
	}
	if t := fn.GetEventTrigger().GetTrigger(); t != "" {
		f.unprovision(t)
	}
	delete(f.fns, r.GetName())
	return f.operation(&emptypb.Empty{})
}

// barrier releases its waiters once n are waiting.
type barrier struct {
	mu      sync.Mutex
	n       int
	waiting int
	open    chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.waiting++
	if b.waiting == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	// The deployer's calls carry no deadline (a step runs to completion),
	// so the fake gives up by itself: a sequential deployer fails here.
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-b.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("only %d of %d CreateFunction calls arrived together", b.waiting, b.n)
	}
}
