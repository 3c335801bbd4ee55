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
	call := func(method, path, user, body string, wantStatus int, out any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, api.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s as %s: %d %s; want %d", method, path, user, resp.StatusCode, b, wantStatus)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
	}

	// alice: ten to-dos, three completed, three deleted (two before mid,
	// one after); bob: three, one deleted before mid.
	mk := func(user string, n int) []todoapp.Todo {
		var out []todoapp.Todo
		for i := range n {
			var td todoapp.Todo
			call("POST", "/api/todos", user, fmt.Sprintf(`{"title":"%s %d"}`, user, i), 201, &td)
			out = append(out, td)
		}
		return out
	}
	al, bo := mk("alice", 10), mk("bob", 3)
	for _, i := range []int{1, 4, 7} {
		call("PATCH", "/api/todos/"+al[i].ID, "alice", `{"done":true}`, 200, nil)
		al[i].Done = true
	}
	call("DELETE", "/api/todos/"+al[2].ID, "alice", "", 204, nil)
	call("DELETE", "/api/todos/"+al[8].ID, "alice", "", 204, nil)
	call("DELETE", "/api/todos/"+bo[0].ID, "bob", "", 204, nil)
	mid := time.Now().UTC() // the purge's cutoff below: after these three deletions
	call("DELETE", "/api/todos/"+al[5].ID, "alice", "", 204, nil)

	// newest first, ties by ID; without the to-dos at the indexes gone
	live := func(tds []todoapp.Todo, keep func(todoapp.Todo) bool, gone ...int) []string {
		ordered := slices.Clone(tds)
		slices.SortFunc(ordered, func(a, b todoapp.Todo) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		var ids []string
		for _, td := range ordered {
			if keep(td) && !slices.ContainsFunc(gone, func(i int) bool { return tds[i].ID == td.ID }) {
				ids = append(ids, td.ID)
			}
		}
		return ids
	}
	all := func(todoapp.Todo) bool { return true }
	open := func(td todoapp.Todo) bool { return !td.Done }
	done := func(td todoapp.Todo) bool { return td.Done }
	for _, tc := range []struct {
		user, view string
		limit      int
		want       []string
		pages      int
	}{
		{"alice", "all", 3, live(al, all, 2, 5, 8), 3}, // 3, 3 and 1: the third by two cursors
		{"alice", "open", 3, live(al, open, 2, 5, 8), 2},
		{"alice", "done", 3, live(al, done, 2, 5, 8), 1},
		{"bob", "all", 1, live(bo, all, 0), 2},
	} {
		var got []string
		cursor, pages := "", 0
		for {
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				Next string `json:"next_cursor"`
			}
			call("GET", fmt.Sprintf("/api/todos?status=%s&limit=%d&cursor=%s", tc.view, tc.limit, cursor), tc.user, "", 200, &page)
			pages++
			if len(page.Items) > tc.limit || (page.Next != "" && len(page.Items) != tc.limit) {
				t.Fatalf("%s's %s page %d: %d items, next cursor %q; want %d with a cursor or at most %d without", tc.user, tc.view, pages, len(page.Items), page.Next, tc.limit, tc.limit)
			}
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if cursor = page.Next; cursor == "" || pages > 10 {
				break
			}
		}
		if !slices.Equal(got, tc.want) || pages != tc.pages {
			t.Errorf("%s's %s list, %d a page: %q in %d page(s); want %q in %d", tc.user, tc.view, tc.limit, got, pages, tc.want, tc.pages)
		}
	}

	// The purge timer, at the tick that makes mid its cutoff: the three
	// to-dos deleted before mid go, everything else stays. A tick after
	// the last deletion's retention then takes that one too.
	firePurge := func(tick time.Time) {
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
	}
	stored := func() []string {
		cur, err := db.Collection(todoapp.TodosCollection).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}
	except := func(gone ...string) []string {
		var ids []string
		for _, td := range append(slices.Clone(al), bo...) {
			if !slices.Contains(gone, td.ID) {
				ids = append(ids, td.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	firePurge(mid.Add(todoapp.PurgeAfter))
	if got, want := stored(), except(al[2].ID, al[8].ID, bo[0].ID); !slices.Equal(got, want) {
		t.Errorf("after the purge with cutoff %v the store holds %q; want %q (all but the three deleted before it)", mid, got, want)
	}
	firePurge(time.Now().Add(todoapp.PurgeAfter + time.Minute))
	if got, want := stored(), except(al[2].ID, al[8].ID, bo[0].ID, al[5].ID); !slices.Equal(got, want) {
		t.Errorf("after the second purge the store holds %q; want %q", got, want)
	}

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
