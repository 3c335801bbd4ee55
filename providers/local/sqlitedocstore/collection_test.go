package sqlitedocstore

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

func openTest(t *testing.T, path, name string, opts *Options) *docstore.Collection {
	t.Helper()
	c, err := OpenCollection(context.Background(), path, name, "id", opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRevisionsSurviveReopen checks that a revision is not reused after the
// database is closed and reopened, even when a document is recreated.
func TestRevisionsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	c := openTest(t, path, "docs", nil)
	doc := map[string]any{"id": "a", "v": 1, "DocstoreRevision": nil}
	if err := c.Create(ctx, doc); err != nil {
		t.Fatal(err)
	}
	stale := map[string]any{"id": "a", "v": 2, "DocstoreRevision": doc["DocstoreRevision"]}
	if err := c.Delete(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, open := registry[mustCanonical(t, path)]; open {
		t.Fatal("database still registered after its only collection was closed")
	}

	c = openTest(t, path, "docs", nil)
	defer c.Close()
	doc2 := map[string]any{"id": "a", "v": 3, "DocstoreRevision": nil}
	if err := c.Create(ctx, doc2); err != nil {
		t.Fatal(err)
	}
	if doc2["DocstoreRevision"] == stale["DocstoreRevision"] {
		t.Errorf("the recreated document reuses revision %v", doc2["DocstoreRevision"])
	}
	if err := c.Replace(ctx, stale); gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("Replace with a revision from before the delete: got %v, want FailedPrecondition", err)
	}
}

// TestUpdateWithoutRevisionFieldBumpsRevision checks that an Update through a
// document lacking the revision field still invalidates older revisions.
func TestUpdateWithoutRevisionFieldBumpsRevision(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	doc := map[string]any{"id": "a", "n": 1, "DocstoreRevision": nil}
	if err := c.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, map[string]any{"id": "a"}, docstore.Mods{"n": 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, doc, docstore.Mods{"n": 3}); gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("Update with stale revision: got %v, want FailedPrecondition", err)
	}
}

// TestUpdateNested covers nested field paths, deletion and increments.
func TestUpdateNested(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	doc := map[string]any{"id": "a", "m": map[string]any{"x": 1, "y": "why"}, "s": "str"}
	if err := c.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, doc, docstore.Mods{
		"m.x":       docstore.Increment(2.5),
		"m.y":       nil,
		"m.z.deep":  true,
		"new.count": docstore.Increment(1),
		"gone.away": nil,
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"id": "a"}
	if err := c.Get(ctx, got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id":  "a",
		"s":   "str",
		"m":   map[string]any{"x": 3.5, "z": map[string]any{"deep": true}},
		"new": map[string]any{"count": int64(1)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}

	// A failing mod leaves the document untouched.
	err := c.Update(ctx, doc, docstore.Mods{"m.x": "changed", "s.sub": 1})
	if gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("Update through a non-map: got %v, want InvalidArgument", err)
	}
	if err := c.Update(ctx, doc, docstore.Mods{"s": docstore.Increment(1)}); gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("Increment of a string: got %v, want InvalidArgument", err)
	}
	if err := c.Update(ctx, doc, docstore.Mods{"id": "b"}); gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("Update of the key: got %v, want InvalidArgument", err)
	}
	got2 := map[string]any{"id": "a"}
	if err := c.Get(ctx, got2); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got2); diff != "" {
		t.Errorf("failed updates changed the document (-want +got):\n%s", diff)
	}
}

// TestAtomicWritesRollBack checks that a failed atomic group writes nothing
// and leaves the callers' documents as they were, generated keys included.
func TestAtomicWritesRollBack(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	if err := c.Put(ctx, map[string]any{"id": "exists"}); err != nil {
		t.Fatal(err)
	}
	keyless := map[string]any{"v": 1, "DocstoreRevision": nil}
	put := map[string]any{"id": "p", "DocstoreRevision": nil}
	err := c.Actions().AtomicWrites().
		Create(keyless).
		Put(put).
		Create(map[string]any{"id": "exists"}).
		Do(ctx)
	if err == nil {
		t.Fatal("atomic group with a failing Create succeeded")
	}
	if diff := cmp.Diff(map[string]any{"v": 1, "DocstoreRevision": nil}, keyless); diff != "" {
		t.Errorf("keyless document changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"id": "p", "DocstoreRevision": nil}, put); diff != "" {
		t.Errorf("put document changed (-want +got):\n%s", diff)
	}
	if err := c.Get(ctx, map[string]any{"id": "p"}); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("Get of rolled-back Put: got %v, want NotFound", err)
	}

	// The same group without the failing action commits, and the keyless
	// Create gets a generated key.
	if err := c.Actions().AtomicWrites().Create(keyless).Put(put).Do(ctx); err != nil {
		t.Fatal(err)
	}
	key, _ := keyless["id"].(string)
	if key == "" {
		t.Fatalf("no key generated: %v", keyless)
	}
	if err := c.Get(ctx, map[string]any{"id": key}); err != nil {
		t.Errorf("Get of created document: %v", err)
	}
}

// TestQueries covers operators, mixed numeric types, ordering, key pushdown
// and the query plan.
func TestQueries(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	al := c.Actions()
	for _, d := range []map[string]any{
		{"id": "a", "n": 1, "f": 1.5, "s": "x"},
		{"id": "b", "n": 2, "f": 2.0, "s": "y"},
		{"id": "c", "n": 3, "s": "z"},
		{"id": "d", "s": "w"},
	} {
		al.Put(d)
	}
	if err := al.Do(ctx); err != nil {
		t.Fatal(err)
	}
	// ids returns the keys of the query's results, sorted unless the query
	// is ordered.
	ids := func(q *docstore.Query, ordered bool) string {
		t.Helper()
		iter := q.Get(ctx)
		defer iter.Stop()
		var out []string
		for {
			d := map[string]any{}
			err := iter.Next(ctx, d)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d["id"].(string))
		}
		if !ordered {
			slices.Sort(out)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name    string
		q       *docstore.Query
		ordered bool
		want    string
	}{
		{"int eq float", c.Query().Where("n", "=", 2.0), false, "b"},
		{"float ge int", c.Query().Where("f", ">=", 2), false, "b"},
		{"le", c.Query().Where("n", "<=", 2), false, "a,b"},
		{"in", c.Query().Where("s", "in", []string{"x", "z", "q"}), false, "a,c"},
		{"not-in skips missing", c.Query().Where("n", "not-in", []int{1}), false, "b,c"},
		{"order desc", c.Query().Where("n", ">", 0).OrderBy("n", docstore.Descending), true, "c,b,a"},
		{"order asc", c.Query().Where("s", ">", "").OrderBy("s", docstore.Ascending), true, "d,a,b,c"},
		{"key eq", c.Query().Where("id", "=", "c"), false, "c"},
		{"key in", c.Query().Where("id", "in", []string{"d", "a"}), false, "a,d"},
		{"key in empty", c.Query().Where("id", "in", []string{}), false, ""},
		{"key gt", c.Query().Where("id", ">", "b"), false, "c,d"},
		{"offset limit", c.Query().Where("s", ">", "").OrderBy("s", docstore.Ascending).Offset(1).Limit(2), true, "a,b"},
	} {
		if got := ids(tc.q, tc.ordered); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}

	plan, err := c.Query().Where("id", "=", "c").Plan()
	if err != nil || !strings.Contains(plan, "WHERE key IN (?)") {
		t.Errorf("plan for key equality = %q, %v; want a key lookup", plan, err)
	}
	plan, err = c.Query().Where("n", ">", 1).OrderBy("n", docstore.Ascending).Limit(1).Plan()
	if err != nil || !strings.Contains(plan, "no declared index") || !strings.Contains(plan, "LIMIT 1") {
		t.Errorf("plan for scan = %q, %v", plan, err)
	}
}

// TestSharedDatabase checks the reference counting of the shared *sql.DB.
func TestSharedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	a := openTest(t, path, "a", nil)
	b := openTest(t, path, "b", nil)
	abs := mustCanonical(t, path)
	registryMu.Lock()
	refs := registry[abs].refs
	registryMu.Unlock()
	if refs != 2 {
		t.Errorf("refs = %d, want 2", refs)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(context.Background(), map[string]any{"id": "x"}); err != nil {
		t.Errorf("Put after closing a sibling collection: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	registryMu.Lock()
	_, open := registry[abs]
	registryMu.Unlock()
	if open {
		t.Error("database still open after closing all collections")
	}
}

func TestOpenCollectionErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path, coll, key string
		want                  error
	}{
		{"empty path", "", "c", "id", gcerrors.ErrInvalidArgument},
		{"memory", ":memory:", "c", "id", gcerrors.ErrInvalidArgument},
		{"empty collection", filepath.Join(dir, "db"), "", "id", gcerrors.ErrInvalidArgument},
		{"reserved collection", filepath.Join(dir, "db"), "sqlite_master", "id", gcerrors.ErrInvalidArgument},
		{"meta collection", filepath.Join(dir, "db"), metaTable, "id", gcerrors.ErrInvalidArgument},
		{"empty key", filepath.Join(dir, "db"), "c", "", gcerrors.ErrInvalidArgument},
	} {
		c, err := OpenCollection(ctx, tc.path, tc.coll, tc.key, nil)
		if err == nil {
			c.Close()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "sqlitedocstore: ") {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// Table names are case-insensitive, and so are collection names.
	lower := openTest(t, filepath.Join(dir, "db"), "todos", nil)
	defer lower.Close()
	if _, err := OpenCollection(ctx, filepath.Join(dir, "db"), "TODOS", "name", nil); !errors.Is(err, gcerrors.ErrFailedPrecondition) {
		t.Errorf("reopening with another key field under another case: got %v, want FailedPrecondition", err)
	}
	upper := openTest(t, filepath.Join(dir, "db"), "TODOS", nil)
	defer upper.Close()
	doc := map[string]any{"id": "x", "DocstoreRevision": nil}
	if err := lower.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := upper.Get(ctx, map[string]any{"id": "x"}); err != nil {
		t.Errorf("document written under \"todos\" not found under \"TODOS\": %v", err)
	}

	// Odd but valid names are quoted properly.
	c := openTest(t, filepath.Join(dir, "sub", "dir", "db.sqlite"), `we"ird name; DROP TABLE x`, nil)
	if err := c.Put(ctx, map[string]any{"id": 1}); err != nil {
		t.Error(err)
	}
	c.Close()
}

func mustCanonical(t *testing.T, path string) string {
	t.Helper()
	abs, err := canonicalPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
