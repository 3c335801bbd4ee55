package mongotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	todoapp "github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/examples/todo/todotest"
	"github.com/faaskit/faas/providers/azurefunc"
	"github.com/faaskit/faas/providers/local/devoidc"
	"github.com/faaskit/faas/sdk"

	// The bucket the purge also opens: not under test here (Azurite is not
	// among this module's stand-ins).
	_ "gocloud.dev/blob/memblob"
)

// database is the Cosmos DB for MongoDB database the collections live in.
const database = "faas"

// cosmosIndexes are the indexes azuredeploy's data template declares for
// the collection r (deploy/azuredeploy/template.go, templates.cosmos):
// "_id", then one compound index of [Partition, Sort] (or [Partition])
// per declared index, each key ascending as ARM's "keys" lists mean. That
// derivation is unexported, and azuredeploy reaches it only from Plan with
// live Azure clients, so it is restated here from the manifest.
func cosmosIndexes(r sdk.ResourceManifest) [][]string {
	keys := [][]string{{"_id"}}
	for _, ix := range r.Indexes {
		k := []string{ix.Partition}
		if ix.Sort != "" {
			k = append(k, ix.Sort)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestTodoQueriesOnDeclaredIndexes creates the to-do's collections with
// the indexes the Azure deployer declares, runs the app under the Azure
// Functions custom-handler shim with the bindings azuredeploy writes
// (mongo://<db>/<collection>?id_field=..., MONGO_SERVER_URL) against an
// embedded FerretDB, and checks the lists (first page, pages after it by
// cursor, each view, two users) and the purge timer.
//
// Every find the driver sent (read off the wire by a proxy) must be served
// by a declared index: equality on its first key, range and sort on its
// second, or _id alone. Whether the server uses that index cannot be shown
// here: FerretDB v1.24 answers explain, but its SQLite backend pushes down
// only an _id equality and filters and sorts everything else in memory,
// so its plan is a table SCAN (filterPushdown false) with or without the
// indexes. The test logs that plan; it cannot assert IXSCAN on FerretDB.
func TestTodoQueriesOnDeclaredIndexes(t *testing.T) {
	ctx := t.Context()
	ferret := startFerretDB(t)
	fu, err := url.Parse(ferret)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startWireProxy(t, fu.Host)

	var iss *devoidc.Issuer
	issSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.ServeHTTP(w, r) }))
	defer issSrv.Close()
	if iss, err = devoidc.New(issSrv.URL, &devoidc.Options{Audience: "todo-test"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAAS_AUTH_ISSUER", iss.URL())
	t.Setenv("FAAS_AUTH_AUDIENCE", iss.Audience())

	// The data template's collections and indexes, and the app settings
	// the app template writes for them.
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(ferret))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(database)
	var declared [][]string
	for _, r := range todoapp.App().Manifest().Resources {
		switch r.Kind {
		case sdk.KindCollection:
			if err := db.CreateCollection(ctx, r.Name); err != nil {
				t.Fatalf("create collection %s: %v", r.Name, err)
			}
			for _, keys := range cosmosIndexes(r) {
				if keys[0] == "_id" {
					continue // every collection has it
				}
				var kd bson.D
				for _, k := range keys {
					kd = append(kd, bson.E{Key: k, Value: 1})
				}
				if _, err := db.Collection(r.Name).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: kd}); err != nil {
					t.Fatalf("create index %v on %s: %v", keys, r.Name, err)
				}
			}
			t.Setenv(r.Env, "mongo://"+database+"/"+r.Name+"?"+url.Values{"id_field": {r.KeyField}}.Encode())
			if r.Name == todoapp.TodosCollection {
				declared = cosmosIndexes(r)
			}
		case sdk.KindBucket:
			t.Setenv(r.Env, "mem://"+r.Name)
		}
		// The events topic stays unbound (Service Bus has no stand-in
		// here): the app logs each failed publish and carries on.
	}
	if got := listIndexes(t, db.Collection(todoapp.TodosCollection)); !slices.EqualFunc(got, declared, slices.Equal) {
		t.Fatalf("the todos collection has the indexes %q; want the declared %q", got, declared)
	}
	t.Setenv("MONGO_SERVER_URL", "mongodb://"+proxy.addr+"/")

	app := todoapp.App()
	defer app.Close(ctx)
	key := azurefunc.NewTriggerKey()
	h, err := azurefunc.NewHandler(app, &azurefunc.Options{Forwarding: true, TriggerKey: key, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	defer api.Close()
	tokens := map[string]string{}
	for _, user := range []string{"alice", "bob"} {
		if tokens[user], err = iss.Token(user); err != nil {
			t.Fatal(err)
		}
	}
	todotest.ListsAndPurge(t, todotest.Store{
		API:    todotest.New(t, api.URL),
		Tokens: tokens,
		Purge: func(tick time.Time) { // the purge timer, as the host calls it
			t.Helper()
			body, _ := json.Marshal(map[string]any{"Data": map[string]any{azurefunc.BindingTimer: map[string]any{
				"Schedule": map[string]any{"AdjustForDST": true}, "ScheduleStatus": map[string]any{"Next": tick.Format(time.RFC3339Nano)}, "IsPastDue": false}},
				"Metadata": map[string]any{}})
			req, _ := http.NewRequestWithContext(ctx, "POST", api.URL+"/"+azurefunc.TriggerFunctionName("purge", key), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(azurefunc.HeaderInvocationID, fmt.Sprintf("purge-%d", tick.Unix()))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("purge at %v: %d %s", tick, resp.StatusCode, b)
			}
		},
		Stored: func(ids []string) []string {
			cur, err := db.Collection(todoapp.TodosCollection).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
			if err != nil {
				t.Fatal(err)
			}
			var docs []struct {
				ID string `bson:"_id"`
			}
			if err := cur.All(ctx, &docs); err != nil {
				t.Fatal(err)
			}
			var held []string
			for _, d := range docs {
				held = append(held, d.ID)
			}
			slices.Sort(held)
			return held
		},
	})

	// Every find on the collection: served by a declared index.
	served := map[string]int{}
	for _, cmd := range proxy.commands() {
		f := parseFind(cmd)
		if f == nil || f.collection != todoapp.TodosCollection {
			continue
		}
		keys, err := f.index()
		if err != nil {
			t.Errorf("find %s: %v", cmd, err)
			continue
		}
		if !slices.ContainsFunc(declared, func(d []string) bool { return slices.Equal(d, keys) }) {
			t.Errorf("find %s needs an index on %q, which is not declared (declared: %q)", cmd, keys, declared)
		}
		served[strings.Join(keys, ",")]++
		if len(f.sort) > 0 {
			var plan bson.M
			if err := db.RunCommand(ctx, bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: f.collection}, {Key: "filter", Value: f.filter}, {Key: "sort", Value: f.sortDoc}}}}).Decode(&plan); err != nil {
				t.Errorf("explain: %v", err)
			} else if served[strings.Join(keys, ",")] == 1 {
				t.Logf("FerretDB's plan for a find on %q: queryPlanner %v, filterPushdown %v, sortPushdown %v", keys, plan["queryPlanner"], plan["filterPushdown"], plan["sortPushdown"])
			}
		}
	}
	t.Logf("finds on %s by the index serving them: %v", todoapp.TodosCollection, served)
	for _, keys := range []string{"list_owner,list_order", "list_status,list_order", "purge_bucket,purge_at"} {
		if served[keys] == 0 {
			t.Errorf("no find used the index on %s; the lists and the purge each should (finds by index: %v)", keys, served)
		}
	}
}

// listIndexes returns the key fields of the collection's indexes, by name.
func listIndexes(t *testing.T, c *mongo.Collection) [][]string {
	t.Helper()
	cur, err := c.Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, s := range specs {
		var keys []string
		for _, e := range s.Key {
			keys = append(keys, e.Key)
		}
		out = append(out, keys)
	}
	return out
}

// find is what an index must serve of a find command.
type find struct {
	collection string
	filter     bson.Raw
	sortDoc    bson.Raw
	equal      []string // fields compared with $eq or $in (or a plain value)
	ranged     []string // fields compared with $lt, $lte, $gt, $gte
	other      []string // anything else
	sort       []string // sort fields
}

// parseFind reads a find command; nil for other commands.
func parseFind(cmd bson.Raw) *find {
	name, ok := cmd.Lookup("find").StringValueOK()
	if !ok {
		return nil
	}
	f := &find{collection: name}
	f.filter, _ = cmd.Lookup("filter").DocumentOK()
	f.sortDoc, _ = cmd.Lookup("sort").DocumentOK()
	els, _ := f.filter.Elements()
	for _, e := range els {
		cond, isDoc := e.Value().DocumentOK()
		if !isDoc {
			f.equal = append(f.equal, e.Key())
			continue
		}
		ops, _ := cond.Elements()
		for _, op := range ops {
			switch op.Key() {
			case "$eq", "$in": // an index serves a set of values as it does one
				f.equal = append(f.equal, e.Key())
			case "$lt", "$lte", "$gt", "$gte":
				f.ranged = append(f.ranged, e.Key())
			default:
				f.other = append(f.other, e.Key()+" "+op.Key())
			}
		}
	}
	sorts, _ := f.sortDoc.Elements()
	for _, e := range sorts {
		f.sort = append(f.sort, e.Key())
	}
	return f
}

// index is the keys of the index that serves f: ["_id"] for a lookup by
// _id, else [the equality field, the range and sort field].
func (f *find) index() ([]string, error) {
	if len(f.other) > 0 {
		return nil, fmt.Errorf("conditions %q are neither equality nor range", f.other)
	}
	if slices.Equal(f.equal, []string{"_id"}) && len(f.ranged) == 0 && len(f.sort) == 0 {
		return []string{"_id"}, nil
	}
	if len(f.equal) != 1 {
		return nil, fmt.Errorf("%d equality conditions; a declared index serves exactly one (none is a collection scan)", len(f.equal))
	}
	if len(f.sort) > 1 {
		return nil, fmt.Errorf("sorts by %q: an index sorts by one field after its equality", f.sort)
	}
	fields := slices.Concat(f.ranged, f.sort)
	if len(fields) == 0 {
		return []string{f.equal[0]}, nil
	}
	for _, s := range fields {
		if s != fields[0] {
			return nil, fmt.Errorf("range or sort on both %s and %s: no index serves both", fields[0], s)
		}
	}
	return []string{f.equal[0], fields[0]}, nil
}

// TestFindIndex checks the reading of a find the test above relies on:
// which index serves it, and which finds no declared index serves (a
// collection scan among them).
func TestFindIndex(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmd     bson.D
		want    []string
		wantErr string
	}{
		{"list", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "o", Value: bson.D{{Key: "$eq", Value: "a"}}}, {Key: "s", Value: bson.D{{Key: "$lt", Value: "x"}}}}}, {Key: "sort", Value: bson.D{{Key: "s", Value: -1}}}}, []string{"o", "s"}, ""},
		{"get", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"a"}}}}}}}, []string{"_id"}, ""},
		{"plain equality", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "o", Value: "a"}}}}, []string{"o"}, ""},
		{"scan", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{}}}, nil, "0 equality conditions"},
		{"scan sorted", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{}}, {Key: "sort", Value: bson.D{{Key: "s", Value: 1}}}}, nil, "0 equality conditions"},
		{"two equalities", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "o", Value: "a"}, {Key: "p", Value: "b"}}}}, nil, "2 equality conditions"},
		{"range and sort apart", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "o", Value: "a"}, {Key: "r", Value: bson.D{{Key: "$gt", Value: 1}}}}}, {Key: "sort", Value: bson.D{{Key: "s", Value: 1}}}}, nil, "range or sort on both r and s"},
		{"other operator", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "o", Value: bson.D{{Key: "$regex", Value: "a"}}}}}}, nil, "neither equality nor range"},
	} {
		raw, err := bson.Marshal(tc.cmd)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseFind(raw).index()
		if !slices.Equal(got, tc.want) || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %q, %v; want %q, an error with %q", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}
