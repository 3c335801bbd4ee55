package sqlitedocstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gocloud.dev/docstore"

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
