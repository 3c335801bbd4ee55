package sqlitedocstore

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

var todoIndexes = []Index{
	{Partition: "owner", Sort: "created_at"},
	{Name: "purge", Partition: "bucket", Sort: "deleted_at"},
}

// queryPlan returns the details of SQLite's plan for every statement of q.
func queryPlan(t *testing.T, c *collection, q *driver.Query) []string {
	t.Helper()
	sq, err := c.translate(q)
	if err != nil {
		t.Fatal(err)
	}
	if sq.inGo() {
		t.Fatalf("query runs in Go: %+v", sq)
	}
	stmts, args := sq.statements()
	var details []string
	for i, stmt := range stmts {
		rows, err := c.db.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+stmt, args[i]...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			details = append(details, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return details
}

// TestIndexesServeQueries checks with EXPLAIN QUERY PLAN that the queries a
// declared index serves search it, without scanning the table or sorting.
func TestIndexesServeQueries(t *testing.T) {
	ctx := context.Background()
	c, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "todos", "id", nil, &Options{Indexes: todoIndexes})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	eq := func(f string, v any) driver.Filter { return driver.Filter{FieldPath: []string{f}, Op: "=", Value: v} }
	lt := func(f string, v any) driver.Filter { return driver.Filter{FieldPath: []string{f}, Op: "<", Value: v} }
	for _, tc := range []struct {
		name  string
		q     driver.Query
		index string
	}{
		{"list page 1", driver.Query{Filters: []driver.Filter{eq("owner", "alice")}, OrderByField: "created_at", Limit: 21}, "todos/by_owner_created_at"},
		{"list ascending", driver.Query{Filters: []driver.Filter{eq("owner", "alice")}, OrderByField: "created_at", OrderAscending: true, Limit: 21}, "todos/by_owner_created_at"},
		{"list after cursor", driver.Query{Filters: []driver.Filter{eq("owner", "alice"), lt("created_at", time.Now())}, OrderByField: "created_at", Limit: 21}, "todos/by_owner_created_at"},
		{"list unordered", driver.Query{Filters: []driver.Filter{eq("owner", "alice")}, Limit: 21}, "todos/by_owner_created_at"},
		{"purge", driver.Query{Filters: []driver.Filter{eq("bucket", "deleted"), lt("deleted_at", 100)}, OrderByField: "deleted_at", OrderAscending: true, Limit: 100}, "todos/purge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, c, &tc.q)
			if len(plan) == 0 {
				t.Fatal("empty plan")
			}
			for _, d := range plan {
				if !strings.HasPrefix(d, "SEARCH todos USING INDEX "+tc.index+" ") {
					t.Errorf("plan step %q does not search index %s (plan %q)", d, tc.index, plan)
				}
			}
			if ix, ok := c.servingIndex(&tc.q); !ok || "todos/"+ix != tc.index {
				t.Errorf("servingIndex = %q, %v; want %s", ix, ok, tc.index)
			}
		})
	}
}

// indexSQLs returns the definitions of the collection's declared indexes.
func indexSQLs(t *testing.T, db *database, coll string) map[string]string {
	t.Helper()
	rows, err := db.db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, s string
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		out[n] = s
	}
	return out
}

// TestIndexesFollowDeclaration checks that indexes are created at open,
// kept across restarts, recreated when their definition changes, dropped
// when no longer declared, and left alone by an opener declaring none.
func TestIndexesFollowDeclaration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	open := func(ixs []Index) (*collection, map[string]string) {
		t.Helper()
		c, err := newCollection(ctx, path, "todos", "id", nil, &Options{Indexes: ixs})
		if err != nil {
			t.Fatal(err)
		}
		return c, indexSQLs(t, c.db, "todos")
	}
	c, first := open(todoIndexes)
	if err := docstore.NewCollection(c).Put(ctx, map[string]any{"id": "a", "owner": "alice", "created_at": 1}); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(mapKeys(first)); !slices.Equal(got, []string{"todos/by_owner_created_at", "todos/purge"}) {
		t.Fatalf("indexes after first open: %v", got)
	}
	// An index's rowid in sqlite_master changes when it is recreated.
	rootpage := func(c *collection, name string) int {
		var p int
		if err := c.db.db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, name).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := rootpage(c, "todos/purge")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c, again := open(todoIndexes)
	if diff := mapDiff(first, again); diff != "" {
		t.Errorf("reopening changed the indexes: %s", diff)
	}
	if after := rootpage(c, "todos/purge"); after != before {
		t.Errorf("reopening rebuilt index todos/purge (root page %d, then %d)", before, after)
	}
	c.Close()

	changed := []Index{{Partition: "owner", Sort: "created_at"}, {Name: "purge", Partition: "bucket", Sort: "purge_at"}}
	c, third := open(changed)
	if !strings.Contains(third["todos/purge"], `"purge_at"`) || third["todos/by_owner_created_at"] != first["todos/by_owner_created_at"] {
		t.Errorf("after changing index purge: %v", third)
	}
	c.Close()

	// An opener declaring nothing (a tool) leaves the indexes be.
	c, fourth := open(nil)
	if diff := mapDiff(third, fourth); diff != "" {
		t.Errorf("opening without declarations changed the indexes: %s", diff)
	}
	c.Close()

	c, fifth := open(changed[:1])
	defer c.Close()
	if got := slices.Sorted(mapKeys(fifth)); !slices.Equal(got, []string{"todos/by_owner_created_at"}) {
		t.Errorf("index no longer declared kept: %v", got)
	}
	// The data is untouched.
	var n int
	if err := c.db.db.QueryRow(`SELECT count(*) FROM todos`).Scan(&n); err != nil || n != 1 {
		t.Errorf("documents after index changes: %d, %v", n, err)
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mapDiff(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k+": "+v+" != "+b[k])
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k+" added")
		}
	}
	return strings.Join(d, "; ")
}

// TestUnservedQueriesFail checks that a collection with declared indexes
// refuses queries none of them serves, naming the index to declare.
func TestUnservedQueriesFail(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	strict := openTest(t, path, "todos", &Options{Indexes: todoIndexes})
	defer strict.Close()
	if err := strict.Put(ctx, map[string]any{"id": "a", "owner": "alice", "created_at": 1, "title": "x"}); err != nil {
		t.Fatal(err)
	}
	count := func(q *docstore.Query) (int, error) {
		iter := q.Get(ctx)
		defer iter.Stop()
		n := 0
		for {
			err := iter.Next(ctx, map[string]any{})
			if err != nil {
				if errors.Is(err, io.EOF) {
					return n, nil
				}
				return n, err
			}
			n++
		}
	}
	for _, tc := range []struct {
		name string
		q    *docstore.Query
		want string // "" when the query is served
	}{
		{"by index", strict.Query().Where("owner", "=", "alice").Where("created_at", ">", 0).OrderBy("created_at", docstore.Descending), ""},
		{"by index with range", strict.Query().Where("owner", "=", "alice").Where("created_at", ">", 0), ""},
		{"by key", strict.Query().Where("id", "in", []string{"a", "b"}).Where("title", "=", "x"), ""},
		{"order not the sort", strict.Query().Where("owner", "=", "alice").Where("title", ">", "").OrderBy("title", docstore.Ascending),
			`sqlitedocstore: query on "todos" filters on owner and orders by title, which no declared index serves: declare sdk.Index{Partition: "owner", Sort: "title"}`},
		{"unknown partition", strict.Query().Where("title", "=", "x"),
			`sqlitedocstore: query on "todos" filters on title, which no declared index serves: declare sdk.Index{Partition: "title"}`},
		{"extra field", strict.Query().Where("owner", "=", "alice").Where("title", "=", "x").Where("created_at", ">", 0).OrderBy("created_at", docstore.Ascending),
			`sqlitedocstore: query on "todos" filters on owner, title and orders by created_at, which no declared index serves: declare sdk.Index{Partition: "owner", Sort: "created_at"} and filter on title in code`},
		{"range only", strict.Query().Where("created_at", ">", 0),
			`sqlitedocstore: query on "todos" filters on created_at, which no declared index serves: an index query needs an equality (=) filter on the index's Partition field (Options.AllowScans permits scans)`},
		{"everything", strict.Query(),
			`sqlitedocstore: query on "todos" reads every document, which no declared index serves: an index query needs an equality (=) filter on the index's Partition field (Options.AllowScans permits scans)`},
	} {
		n, err := count(tc.q)
		switch {
		case tc.want == "" && (err != nil || n != 1):
			t.Errorf("%s: got %d documents, %v; want 1", tc.name, n, err)
		case tc.want != "" && (err == nil || !strings.HasSuffix(err.Error(), ": "+tc.want)):
			t.Errorf("%s: got error\n%v\nwant\n%s", tc.name, err, tc.want)
		case tc.want != "" && gcerrors.Code(err) != gcerrors.FailedPrecondition:
			t.Errorf("%s: code %v, want FailedPrecondition", tc.name, gcerrors.Code(err))
		}
	}

	// AllowScans, or no declared index, lets the same query scan.
	for name, opts := range map[string]*Options{
		"AllowScans": {Indexes: todoIndexes, AllowScans: true},
		"no indexes": nil,
	} {
		c := openTest(t, path, "todos", opts)
		if n, err := count(c.Query().Where("title", "=", "x")); err != nil || n != 1 {
			t.Errorf("%s: got %d documents, %v; want 1", name, n, err)
		}
		c.Close()
	}
}

// TestExpiredDocumentsDeletedAtOpen checks that opening a collection with an
// expiry field deletes the documents whose expiry time has passed, and only
// those.
func TestExpiredDocumentsDeletedAtOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := &Options{ExpiryField: "expires_at", Now: func() time.Time { return now }}
	c := openTest(t, path, "events", opts)
	al := c.Actions()
	for _, d := range []map[string]any{
		{"id": "past", "expires_at": now.Add(-time.Nanosecond)},
		{"id": "past-other-zone", "expires_at": now.Add(-time.Second).In(time.FixedZone("X", 5*3600))},
		{"id": "now", "expires_at": now},
		{"id": "future", "expires_at": now.Add(time.Hour)},
		{"id": "number", "expires_at": 1},
		{"id": "none"},
	} {
		al.Put(d)
	}
	if err := al.Do(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()

	c = openTest(t, path, "events", opts)
	defer c.Close()
	var ids []string
	iter := c.Query().Get(ctx)
	defer iter.Stop()
	for {
		d := map[string]any{}
		err := iter.Next(ctx, d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d["id"].(string))
	}
	slices.Sort(ids)
	if want := []string{"future", "none", "now", "number"}; !slices.Equal(ids, want) {
		t.Errorf("documents after reopening: %v, want %v", ids, want)
	}

	// The sweep searches the expiry index rather than scanning.
	dc, err := newCollection(ctx, path, "events", "id", nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	var id, parent, unused int
	var detail string
	if err := dc.db.db.QueryRow("EXPLAIN QUERY PLAN "+dc.expiredSQL(), []byte{rankTime}, sortKey(now)).Scan(&id, &parent, &unused, &detail); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(detail, "SEARCH events USING INDEX events/$expiry ") {
		t.Errorf("expiry sweep plan: %s", detail)
	}
}
