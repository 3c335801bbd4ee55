//go:build integration

package gcpdeploy

import (
	"context"
	"errors"
	"fmt"
	"github.com/faaskit/faas/internal/emulators"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"cloud.google.com/go/pubsub/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/pstest"
	"gocloud.dev/docstore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/examples/todo/todotest"
	"github.com/faaskit/faas/providers/gcf"
	"github.com/faaskit/faas/providers/local/devoidc"
	"github.com/faaskit/faas/sdk"
)

// The Firestore stand-ins for the whole test binary. gocloud's firestore://
// and gcppubsub:// URL openers read FIRESTORE_EMULATOR_HOST and
// PUBSUB_EMULATOR_HOST once per process (../shared/emulators.md), so the
// emulator (behind a proxy that records what the driver sends) and the
// Pub/Sub stand-in are started once, in TestMain.
var (
	firestoreRPCs   *rpcLog        // what reached the emulator through the proxy
	firestoreDirect string         // the emulator itself, host:port
	appPubsub       *pstest.Server // the apps' topics
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	stop, err := startFirestoreStandIns()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gcpdeploy integration tests:", err)
		return 1
	}
	defer stop()
	return m.Run()
}

// TestTodoQueriesUseDeployedIndexes deploys the to-do app's manifest to the
// fakes, so that the deployer creates the Firestore composite indexes
// through the admin API as it does in a project, then runs the app in
// process under the GCP shim with the environment the deployer gave its
// functions, against the Firestore emulator: lists (first page, the pages
// after it by cursor, each view, two users) and the purge schedule.
//
// The emulator serves any query without a composite index, so the test
// also reads every query the firestore:// driver sent (a gRPC proxy in
// front of the emulator decodes each RunQuery) and checks that one of the
// indexes the deployer created serves it: equality on the index's first
// field, range and order on its second, in that index's direction. No
// query may lack the equality (a collection scan) and none may list
// documents.
func TestTodoQueriesUseDeployedIndexes(t *testing.T) {
	ctx := t.Context()
	clearFirestore(t)

	var iss *devoidc.Issuer
	issSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.ServeHTTP(w, r) }))
	defer issSrv.Close()
	iss, err := devoidc.New(issSrv.URL, &devoidc.Options{Audience: "todo-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAAS_AUTH_ISSUER", iss.URL())
	t.Setenv("FAAS_AUTH_AUDIENCE", iss.Audience())

	// Deploy the to-do's own manifest; read back the indexes the deployer
	// created and the environment it gave the functions.
	tg := &deploy.Target{Stage: "dev", Manifest: todo.App().Manifest(), Artifact: t.TempDir(),
		Settings: deploy.Settings{"project": testProject, "region": testRegion},
		Auth:     deploy.Auth{Issuer: iss.URL(), Audience: iss.Audience()}}
	writeSource(t, tg, "v1")
	c := newCloud(t)
	if _, _, _, err := c.deployOnce(t, tg); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	var todos sdk.ResourceManifest
	for _, r := range tg.Manifest.Resources {
		if r.Kind == sdk.KindCollection && r.Name == todo.TodosCollection {
			todos = r
		}
	}
	env := c.fn.function(fnName("web")).GetServiceConfig().GetEnvironmentVariables()
	u, err := url.Parse(env[todos.Env])
	if err != nil || u.Scheme != "firestore" {
		t.Fatalf("the web function's %s is %q; want a firestore:// URL (%v)", todos.Env, env[todos.Env], err)
	}
	collection := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	created := c.fs.keys("projects/" + testProject + "/databases/" + Database + "/collectionGroups/" + collection)
	var want []string
	for _, ix := range desiredIndexes(todos) {
		want = append(want, indexKey(ix))
	}
	slices.Sort(want)
	if len(todos.Indexes) == 0 || !slices.Equal(created, want) {
		t.Fatalf("the deployer created the indexes %q on %s; want %q (from the declared %v)", created, collection, want, todos.Indexes)
	}

	// Run the app under the shim with that environment, the stand-ins'
	// hosts added (in the cloud the runtime account's credentials reach
	// the real services).
	for k, v := range env {
		t.Setenv(k, v)
	}
	gcs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = "storage.googleapis.com" // fake-gcs-server routes reads by its public host
		c.gcs.HTTPHandler().ServeHTTP(w, r)
	}))
	defer gcs.Close()
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(gcs.URL, "http://"))
	t.Setenv("PUBSUB_EMULATOR_HOST", appPubsub.Addr)
	for _, r := range tg.Manifest.Resources {
		if r.Kind == sdk.KindTopic { // as the deployer made it; left from an earlier run with -count
			appPubsub.GServer.CreateTopic(ctx, &pubsubpb.Topic{Name: strings.TrimPrefix(env[r.Env], "gcppubsub://")})
		}
	}
	app := todo.App()
	t.Cleanup(func() { app.Close(context.WithoutCancel(ctx)) })
	shim, err := gcf.New(app, &gcf.Options{Project: testProject, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	web, err := shim.HTTPFunc("web")
	if err != nil {
		t.Fatal(err)
	}
	purge, err := shim.HTTPFunc("purge")
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(http.HandlerFunc(web))
	defer api.Close()
	tokens := map[string]string{}
	for _, user := range []string{"alice", "bob"} {
		if tokens[user], err = iss.Token(user); err != nil {
			t.Fatal(err)
		}
	}
	firestoreRPCs.reset()
	coll, err := docstore.OpenCollection(ctx, env[todos.Env])
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	todotest.ListsAndPurge(t, todotest.Store{
		API:    todotest.New(t, api.URL),
		Tokens: tokens,
		Purge: func(tick time.Time) {
			t.Helper()
			rec := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(ctx, "POST", "/", nil)
			req.Header.Set("X-CloudScheduler-JobName", "projects/"+testProject+"/locations/"+testRegion+"/jobs/purge")
			req.Header.Set("X-CloudScheduler-ScheduleTime", tick.Format(time.RFC3339Nano))
			purge(rec, req)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("purge at %v: %d %s", tick, rec.Code, rec.Body)
			}
		},
		Stored: func(ids []string) []string {
			var held []string
			for _, id := range ids {
				err := coll.Get(ctx, &todo.Todo{ID: id})
				if err == nil {
					held = append(held, id)
				} else if sdk.CodeOf(err) != sdk.CodeNotFound {
					t.Fatalf("get %s: %v", id, err)
				}
			}
			slices.Sort(held)
			return held
		},
	})

	// Every query the driver sent: served by a deployed index, never a scan.
	spec := todos.CollectionSpec()
	served := map[string]int{}
	for _, call := range firestoreRPCs.take() {
		switch call.method {
		case "/google.firestore.v1.Firestore/ListDocuments", "/google.firestore.v1.Firestore/PartitionQuery", "/google.firestore.v1.Firestore/RunAggregationQuery":
			t.Errorf("the driver called %s: a read of the collection no index serves", call.method)
			continue
		case "/google.firestore.v1.Firestore/RunQuery":
		default:
			continue
		}
		var req firestorepb.RunQueryRequest
		if err := proto.Unmarshal(call.request, &req); err != nil {
			t.Fatalf("decoding a RunQuery: %v", err)
		}
		q := parseQuery(req.GetStructuredQuery())
		if q.collection != collection {
			continue
		}
		key, err := q.indexKey()
		if err != nil {
			t.Errorf("query %+v: %v", q, err)
			continue
		}
		if !slices.Contains(created, key) {
			t.Errorf("query %+v needs the composite index (%s), which the deployer did not create (it created %q)", q, key, created)
		}
		if ix, ok := spec.IndexFor(q.equal[0], q.sortField()); !ok || ix.Partition != q.equal[0] || ix.Sort != q.sortField() {
			t.Errorf("query %+v: no declared index serves it (IndexFor: %v, %v)", q, ix, ok)
		}
		served[key]++
	}
	t.Logf("RunQuery calls on %s by the composite index serving them: %v", collection, served)
	for _, key := range []string{"list_owner ASCENDING,list_order DESCENDING", "list_status ASCENDING,list_order DESCENDING", "purge_bucket ASCENDING,purge_at ASCENDING"} {
		if served[key] == 0 {
			t.Errorf("no query used the index (%s); the lists and the purge each should (queries by index: %v)", key, served)
		}
	}
}

// firestoreQuery is what an index must serve of a structured query.
type firestoreQuery struct {
	collection string
	equal      []string // fields compared with ==
	ranged     []string // fields compared otherwise
	order      []string // "field DIRECTION", in order
	other      []string // filters the index model has no place for
}

func parseQuery(sq *firestorepb.StructuredQuery) firestoreQuery {
	var q firestoreQuery
	if from := sq.GetFrom(); len(from) == 1 {
		q.collection = from[0].GetCollectionId()
	}
	var walk func(f *firestorepb.StructuredQuery_Filter)
	walk = func(f *firestorepb.StructuredQuery_Filter) {
		switch {
		case f.GetCompositeFilter() != nil && f.GetCompositeFilter().GetOp() == firestorepb.StructuredQuery_CompositeFilter_AND:
			for _, sub := range f.GetCompositeFilter().GetFilters() {
				walk(sub)
			}
		case f.GetFieldFilter() != nil && f.GetFieldFilter().GetOp() == firestorepb.StructuredQuery_FieldFilter_EQUAL:
			q.equal = append(q.equal, f.GetFieldFilter().GetField().GetFieldPath())
		case f.GetFieldFilter() != nil:
			q.ranged = append(q.ranged, f.GetFieldFilter().GetField().GetFieldPath())
		case f != nil:
			q.other = append(q.other, f.String())
		}
	}
	if sq.GetWhere() != nil {
		walk(sq.GetWhere())
	}
	for _, o := range sq.GetOrderBy() {
		q.order = append(q.order, o.GetField().GetFieldPath()+" "+o.GetDirection().String())
	}
	return q
}

// sortField is the one field the query filters by range or orders by.
func (q firestoreQuery) sortField() string {
	if len(q.order) > 0 {
		f, _, _ := strings.Cut(q.order[0], " ")
		return f
	}
	if len(q.ranged) > 0 {
		return q.ranged[0]
	}
	return ""
}

// indexKey is the key (as indexKey renders an adminpb.Index) of the
// composite index Firestore needs to serve q: equality on one field, then
// range and order on one other.
func (q firestoreQuery) indexKey() (string, error) {
	if len(q.other) > 0 {
		return "", fmt.Errorf("filters %q are neither equality nor range", q.other)
	}
	if len(q.equal) != 1 {
		return "", fmt.Errorf("%d equality filters; a declared index serves exactly one (none is a collection scan)", len(q.equal))
	}
	s := q.sortField()
	if s == "" {
		return "", errors.New("no range or order: served by a single-field index, not a declared one")
	}
	for _, f := range q.ranged {
		if f != s {
			return "", fmt.Errorf("a range on %s and an order on %s: no index serves both", f, s)
		}
	}
	dir := "ASCENDING"
	if len(q.order) > 1 {
		return "", fmt.Errorf("orders by %q: an index orders by one field", q.order)
	}
	if len(q.order) == 1 {
		_, dir, _ = strings.Cut(q.order[0], " ")
	}
	return q.equal[0] + " ASCENDING," + s + " " + dir, nil
}

// TestFirestoreQueryIndexKey checks the reading of a query the test
// above relies on: which composite index serves it, and which queries no
// declared index serves (a scan among them).
func TestFirestoreQueryIndexKey(t *testing.T) {
	field := func(f string, op firestorepb.StructuredQuery_FieldFilter_Operator) *firestorepb.StructuredQuery_Filter {
		return &firestorepb.StructuredQuery_Filter{FilterType: &firestorepb.StructuredQuery_Filter_FieldFilter{FieldFilter: &firestorepb.StructuredQuery_FieldFilter{
			Field: &firestorepb.StructuredQuery_FieldReference{FieldPath: f}, Op: op, Value: &firestorepb.Value{ValueType: &firestorepb.Value_StringValue{StringValue: "x"}}}}}
	}
	and := func(fs ...*firestorepb.StructuredQuery_Filter) *firestorepb.StructuredQuery_Filter {
		return &firestorepb.StructuredQuery_Filter{FilterType: &firestorepb.StructuredQuery_Filter_CompositeFilter{CompositeFilter: &firestorepb.StructuredQuery_CompositeFilter{
			Op: firestorepb.StructuredQuery_CompositeFilter_AND, Filters: fs}}}
	}
	order := func(f string, d firestorepb.StructuredQuery_Direction) []*firestorepb.StructuredQuery_Order {
		return []*firestorepb.StructuredQuery_Order{{Field: &firestorepb.StructuredQuery_FieldReference{FieldPath: f}, Direction: d}}
	}
	const eq, lt = firestorepb.StructuredQuery_FieldFilter_EQUAL, firestorepb.StructuredQuery_FieldFilter_LESS_THAN
	for _, tc := range []struct {
		name    string
		q       *firestorepb.StructuredQuery
		want    string
		wantErr string
	}{
		{"list", &firestorepb.StructuredQuery{Where: and(field("o", eq), field("s", lt)), OrderBy: order("s", firestorepb.StructuredQuery_DESCENDING)}, "o ASCENDING,s DESCENDING", ""},
		{"range only", &firestorepb.StructuredQuery{Where: and(field("o", eq), field("s", lt))}, "o ASCENDING,s ASCENDING", ""},
		{"scan", &firestorepb.StructuredQuery{}, "", "0 equality filters"},
		{"scan ordered", &firestorepb.StructuredQuery{Where: field("s", lt), OrderBy: order("s", firestorepb.StructuredQuery_ASCENDING)}, "", "0 equality filters"},
		{"two equalities", &firestorepb.StructuredQuery{Where: and(field("o", eq), field("p", eq))}, "", "2 equality filters"},
		{"equality alone", &firestorepb.StructuredQuery{Where: field("o", eq)}, "", "single-field index"},
		{"range and order apart", &firestorepb.StructuredQuery{Where: and(field("o", eq), field("r", lt)), OrderBy: order("s", firestorepb.StructuredQuery_ASCENDING)}, "", "a range on r and an order on s"},
	} {
		got, err := parseQuery(tc.q).indexKey()
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %q, %v; want %q, an error with %q", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

// clearFirestore deletes every document in the emulator's project.
func clearFirestore(t *testing.T) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, "http://"+firestoreDirect+"/emulator/v1/projects/"+testProject+"/databases/(default)/documents", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("clearing the Firestore emulator: %s", resp.Status)
	}
}

// startFirestoreStandIns starts the Firestore emulator (its java process
// directly, one PID), a recording gRPC proxy in front of it that
// FIRESTORE_EMULATOR_HOST names, and pstest for the apps' topics.
func startFirestoreStandIns() (stop func(), err error) {
	fs, err := emulators.StartFirestore()
	if err != nil {
		return nil, err
	}
	firestoreDirect = fs.Addr
	stops := []func(){fs.Stop}
	stop = func() {
		for _, s := range slices.Backward(stops) {
			s()
		}
	}
	if err := fs.Wait(90 * time.Second); err != nil {
		stop()
		return nil, err
	}

	firestoreRPCs = &rpcLog{}
	proxy, stopProxy, err := startRecordingProxy(firestoreDirect, firestoreRPCs)
	if err != nil {
		stop()
		return nil, err
	}
	stops = append(stops, stopProxy)
	appPubsub = pstest.NewServer()
	stops = append(stops, func() { appPubsub.Close() })
	return stop, os.Setenv("FIRESTORE_EMULATOR_HOST", proxy)
}

// rpcLog records the request messages of the calls through a proxy.
type rpcLog struct {
	mu    sync.Mutex
	calls []rpcCall
}

type rpcCall struct {
	method  string
	request []byte // one request message, serialized
}

func (l *rpcLog) add(method string, msg []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, rpcCall{method, msg})
}

func (l *rpcLog) reset() { l.take() }

// take returns the calls recorded since the last take and forgets them.
func (l *rpcLog) take() []rpcCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// rawCodec passes messages through as bytes.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = slices.Clone(data)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// startRecordingProxy serves every gRPC method on 127.0.0.1 by forwarding
// it, as bytes, to backend, recording each request message in log. It
// returns the proxy's address.
func startRecordingProxy(backend string, log *rpcLog) (addr string, stop func(), err error) {
	conn, err := grpc.NewClient(backend, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		return "", nil, err
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		method, _ := grpc.MethodFromServerStream(ss)
		md, _ := metadata.FromIncomingContext(ss.Context())
		ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ss.Context(), md.Copy()))
		defer cancel()
		cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
		if err != nil {
			return err
		}
		go func() {
			for {
				var msg []byte
				if err := ss.RecvMsg(&msg); err != nil {
					cs.CloseSend()
					return
				}
				log.add(method, msg)
				if cs.SendMsg(&msg) != nil {
					return
				}
			}
		}()
		if h, err := cs.Header(); err == nil {
			ss.SendHeader(h)
		}
		for {
			var msg []byte
			if err := cs.RecvMsg(&msg); err != nil {
				ss.SetTrailer(cs.Trailer())
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if err := ss.SendMsg(&msg); err != nil {
				return err
			}
		}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		conn.Close()
		return "", nil, err
	}
	go srv.Serve(l)
	return l.Addr().String(), func() { srv.Stop(); conn.Close() }, nil
}
