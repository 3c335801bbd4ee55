package sqlitedocstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"

	"github.com/faaskit/faas/providers/local/sqlitedocstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "sqlitedocstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	coll, err := sqlitedocstore.OpenCollection(ctx, filepath.Join(dir, "dev.sqlite"), "todos", "id", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()

	type Todo struct {
		ID               string `docstore:"id"`
		Title            string
		Done             bool
		DocstoreRevision any
	}
	todo := &Todo{ID: "t1", Title: "write the docs"}
	// Once Create returns nil, the document is on disk.
	if err := coll.Create(ctx, todo); err != nil {
		log.Fatal(err)
	}
	if err := coll.Update(ctx, &Todo{ID: "t1"}, docstore.Mods{"Done": true}); err != nil {
		log.Fatal(err)
	}

	// todo still holds the revision from before the Update, so a Replace
	// based on it is rejected.
	err = coll.Replace(ctx, todo)
	fmt.Println("stale replace rejected:", err != nil)

	got := &Todo{ID: "t1"}
	if err := coll.Get(ctx, got); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %q done=%v\n", got.ID, got.Title, got.Done)

	// The same collection, opened by URL.
	byURL, err := docstore.OpenCollection(ctx, "sqlite://"+filepath.ToSlash(filepath.Join(dir, "dev.sqlite"))+"?collection=todos&key=id")
	if err != nil {
		log.Fatal(err)
	}
	defer byURL.Close()
	m := map[string]any{"id": "t1"}
	if err := byURL.Get(ctx, m, "Title"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m["Title"])

	// Output:
	// stale replace rejected: true
	// t1: "write the docs" done=true
	// write the docs
}

// A collection declaring indexes answers the queries they serve from the
// index, and refuses the others, naming the index to declare.
func ExampleOptions_indexes() {
	dir, err := os.MkdirTemp("", "sqlitedocstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	coll, err := sqlitedocstore.OpenCollection(ctx, filepath.Join(dir, "dev.sqlite"), "todos", "id", &sqlitedocstore.Options{
		Indexes: []sqlitedocstore.Index{{Partition: "owner", Sort: "created_at"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	al := coll.Actions()
	for i, owner := range []string{"alice", "bob", "alice", "alice"} {
		al.Put(map[string]any{"id": fmt.Sprint("t", i), "owner": owner, "created_at": i, "title": fmt.Sprint("to-do ", i)})
	}
	if err := al.Do(ctx); err != nil {
		log.Fatal(err)
	}

	// alice's newest two: served by the index.
	iter := coll.Query().Where("owner", "=", "alice").Where("created_at", ">=", 0).
		OrderBy("created_at", docstore.Descending).Limit(2).Get(ctx)
	defer iter.Stop()
	for {
		m := map[string]any{}
		if err := iter.Next(ctx, m); err != nil {
			break
		}
		fmt.Println(m["id"], m["title"])
	}

	// No declared index serves a query on title.
	err = coll.Query().Where("title", "=", "to-do 1").Get(ctx).Next(ctx, map[string]any{})
	fmt.Println(gcerrors.Code(err))
	fmt.Println(err)

	// Output:
	// t3 to-do 3
	// t2 to-do 2
	// FailedPrecondition
	// docstore (code=FailedPrecondition): sqlitedocstore: query on "todos" filters on title, which no declared index serves: declare sdk.Index{Partition: "title"}
}
