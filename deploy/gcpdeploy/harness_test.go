package gcpdeploy

import (
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/eventarc/apiv1/eventarcpb"
	fsadminpb "cloud.google.com/go/firestore/apiv1/admin/adminpb"
	functionspb "cloud.google.com/go/functions/apiv2/functionspb"
	"cloud.google.com/go/iam/admin/apiv1/adminpb"
	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/pubsub"
	"cloud.google.com/go/pubsub/pstest"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/scheduler/apiv1/schedulerpb"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/sdk"
)

const (
	testProject       = "faas-test"
	testProjectNumber = "123456789012"
	testRegion        = "europe-west1"
)

// calls records the mutating calls the deployer makes (gRPC methods other
// than Get/List, HTTP requests other than GET/HEAD) and fails the
// failAt-th one, if set.
type calls struct {
	mu     sync.Mutex
	log    []string
	failAt int
}

func (c *calls) reset(failAt int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log, c.failAt = nil, failAt
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.log...)
}

// record counts one mutating call and reports whether to fail it.
func (c *calls) record(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, name)
	return c.failAt == len(c.log)
}

func mutatingRPC(method string) bool {
	m := method[strings.LastIndex(method, "/")+1:]
	return !strings.HasPrefix(m, "Get") && !strings.HasPrefix(m, "List")
}

func (c *calls) interceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if mutatingRPC(method) && c.record(method[strings.LastIndex(method, "/")+1:]) {
		return status.Error(codes.FailedPrecondition, "injected fault")
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

type countingTransport struct {
	c    *calls
	base http.RoundTripper
	what string
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		what := t.what
		if strings.Contains(r.URL.RawQuery+r.URL.EscapedPath(), strings.ReplaceAll(lockObject, "/", "%2F")) {
			what = "lock" // the deployment lock's object
		}
		if t.c.record(what + " " + r.Method) {
			return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"error":{"code":403,"message":"injected fault"}}`)), Request: r}, nil
		}
	}
	return t.base.RoundTrip(r)
}

// cloud is one set of fakes and a Provider connected to them.
type cloud struct {
	fn    *fakeFunctions
	iam   *fakeIAM
	run   *fakeRun
	sched *fakeScheduler
	arc   *fakeEventarc
	fs    *fakeFirestoreAdmin
	proj  *fakeProjects
	tpol  *fakePolicies
	bpol  *bucketIAM
	gcs   *fakestorage.Server
	ps    *pstest.Server
	psc   *pubsub.Client // uncounted, for checks
	calls *calls
	p     Provider
}

func newCloud(t *testing.T) *cloud {
	t.Helper()
	ctx := context.Background()
	c := &cloud{fn: newFakeFunctions(), calls: &calls{}, iam: &fakeIAM{sas: map[string]*adminpb.ServiceAccount{}}}
	c.fn.saExists = c.iam.exists
	c.run = &fakeRun{serviceExists: c.fn.serviceExists, saExists: c.iam.exists, policies: map[string]*iampb.Policy{}}
	c.arc = &fakeEventarc{ops: c.fn, serviceExists: c.fn.serviceExists, saExists: c.iam.exists, triggers: map[string]*eventarcpb.Trigger{}}
	c.fn.provision = func(fn *functionspb.Function) (string, error) {
		id := fn.Name[strings.LastIndex(fn.Name, "/")+1:]
		loc := fn.Name[:strings.Index(fn.Name, "/functions/")]
		sub := "eventarc-" + testRegion + "-" + id + "-sub-123"
		topic := fn.EventTrigger.PubsubTopic
		if _, err := c.psc.CreateSubscription(ctx, sub, pubsub.SubscriptionConfig{Topic: c.psc.Topic(topic[strings.LastIndex(topic, "/")+1:])}); err != nil {
			return "", err
		}
		tr := &eventarcpb.Trigger{Name: loc + "/triggers/" + id + "-123",
			EventFilters: []*eventarcpb.EventFilter{{Attribute: "type", Value: fn.EventTrigger.EventType}},
			Transport:    &eventarcpb.Transport{Intermediary: &eventarcpb.Transport_Pubsub{Pubsub: &eventarcpb.Pubsub{Topic: topic, Subscription: "projects/" + testProject + "/subscriptions/" + sub}}}}
		c.arc.mu.Lock()
		c.arc.triggers[tr.Name] = tr
		c.arc.mu.Unlock()
		return tr.Name, nil
	}
	c.fn.unprovision = func(name string) {
		if tr := c.arc.trigger(name); tr != nil {
			c.psc.Subscription(tr.GetTransport().GetPubsub().GetSubscription()[strings.LastIndex(tr.GetTransport().GetPubsub().GetSubscription(), "/")+1:]).Delete(ctx)
			c.arc.mu.Lock()
			delete(c.arc.triggers, name)
			c.arc.mu.Unlock()
		}
	}
	c.fs = &fakeFirestoreAdmin{ops: c.fn, indexes: map[string]*fsadminpb.Index{}, fields: map[string]*fsadminpb.Field{}}
	c.sched = &fakeScheduler{saExists: c.iam.exists, jobs: map[string]*schedulerpb.Job{}}
	var err error
	c.gcs, err = fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.gcs.Stop)
	// Topics and subscriptions have policies; their members may be the
	// project's service agents, which IAM knows without any call.
	c.tpol = &fakePolicies{saExists: func(email string) bool { return serviceAgent(email) || c.iam.exists(email) }, policies: map[string]*iampb.Policy{}}
	c.tpol.exists = func(name string) bool {
		if strings.Contains(name, "/subscriptions/") {
			ok, err := c.psc.Subscription(subID(name)).Exists(ctx)
			return err == nil && ok
		}
		return c.fn.topicExists(name)
	}
	c.ps = pstest.NewServerWithCallback(0, func(s *grpc.Server) { iampb.RegisterIAMPolicyServer(s, c.tpol) })
	t.Cleanup(func() { c.ps.Close() })
	conn, err := grpc.NewClient(c.ps.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if c.psc, err = pubsub.NewClient(ctx, testProject, option.WithGRPCConn(conn)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.psc.Close() })

	c.fn.uploadBucket, c.fn.uploadHost = "gcf-v2-uploads-"+testProjectNumber+"-"+testRegion, "storage.googleapis.com"
	c.gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: c.fn.uploadBucket})
	c.fn.objectExists = func(b, o string) bool { _, err := c.gcs.GetObject(b, o); return err == nil }
	c.fn.topicExists = func(name string) bool {
		ok, err := c.psc.Topic(name[strings.LastIndex(name, "/")+1:]).Exists(ctx)
		return err == nil && ok
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	functionspb.RegisterFunctionServiceServer(srv, c.fn)
	longrunningpb.RegisterOperationsServer(srv, c.fn)
	adminpb.RegisterIAMServer(srv, c.iam)
	runpb.RegisterServicesServer(srv, c.run)
	schedulerpb.RegisterCloudSchedulerServer(srv, c.sched)
	eventarcpb.RegisterEventarcServer(srv, c.arc)
	fsadminpb.RegisterFirestoreAdminServer(srv, c.fs)
	c.proj = newFakeProjects(func(email string) bool { return serviceAgent(email) || c.iam.exists(email) })
	resourcemanagerpb.RegisterProjectsServer(srv, c.proj)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	grpcOpts := func(addr string) []option.ClientOption {
		return []option.ClientOption{option.WithEndpoint(addr), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
			option.WithGRPCDialOption(grpc.WithUnaryInterceptor(c.calls.interceptor))}
	}
	c.bpol = &bucketIAM{base: c.gcs.HTTPClient().Transport, gcs: c.gcs, saExists: c.iam.exists, policies: map[string]jsonPolicy{}}
	httpc := func(what string) *http.Client {
		return &http.Client{Transport: countingTransport{c: c.calls, base: c.bpol, what: what}}
	}
	c.p = New(&ClientOptions{
		Functions:       grpcOpts(lis.Addr().String()),
		IAM:             grpcOpts(lis.Addr().String()),
		Run:             grpcOpts(lis.Addr().String()),
		Scheduler:       grpcOpts(lis.Addr().String()),
		Eventarc:        grpcOpts(lis.Addr().String()),
		Firestore:       grpcOpts(lis.Addr().String()),
		ResourceManager: grpcOpts(lis.Addr().String()),
		PubSub:          grpcOpts(c.ps.Addr),
		Storage:         []option.ClientOption{option.WithHTTPClient(httpc("storage")), option.WithoutAuthentication()},
		Upload:          httpc("upload"),
	})
	return c
}

// todoTarget is a deployment of testdata/todo-manifest.json (the to-do
// app's functions and resources, plus a blob function) with a source
// zip in a fresh directory.
func todoTarget(t *testing.T, stage string) *deploy.Target {
	t.Helper()
	b, err := os.ReadFile("testdata/todo-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tg := &deploy.Target{Stage: stage, Manifest: &m, Artifact: dir, Settings: deploy.Settings{"project": testProject, "region": testRegion}}
	writeSource(t, tg, "v1")
	return tg
}

// writeSource writes the target's source.zip with content v.
func writeSource(t *testing.T, tg *deploy.Target, v string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(tg.Artifact, BundleFile), []byte("PK fake bundle "+v), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deployOnce plans and applies, returning the plan, the outputs and the
// mutating calls made.
func (c *cloud) deployOnce(t *testing.T, tg *deploy.Target) (*deploy.Plan, *deploy.Outputs, []string, error) {
	t.Helper()
	c.calls.reset(c.calls.failAt)
	ctx := context.Background()
	pl, err := c.p.Plan(ctx, tg)
	if err != nil {
		return nil, nil, c.calls.list(), fmt.Errorf("plan: %w", err)
	}
	out, err := c.p.Apply(ctx, tg, pl)
	return pl, out, c.calls.list(), err
}

// sdkFunction shortens sdk.FunctionManifest in the tests.
type sdkFunction = sdk.FunctionManifest
