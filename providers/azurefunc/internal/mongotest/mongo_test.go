package mongotest

import (
	"context"
	"github.com/faaskit/faas/sdk/provider"
	"io"
	"log/slog"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"

	// The drivers exactly as the Azure handler links them (mongodocstore among them).
	_ "github.com/faaskit/faas/providers/azurefunc"
)

type todo struct {
	ID               string `docstore:"id"`
	Title            string `docstore:"title"`
	Done             bool   `docstore:"done"`
	Rank             int    `docstore:"rank"`
	DocstoreRevision any
}

// startFerretDB runs an embedded FerretDB (SQLite backend) on a free
// loopback port until the test ends and returns its MongoDB URI.
func startFerretDB(t *testing.T) string {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("ferretdb: %v", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f.MongoDBURI()
}

// TestMongoCollectionBinding binds a collection the way the Azure deployer
// does (FAAS_COLLECTION_TODOS=mongo://<db>/<collection>?id_field=id and
// MONGO_SERVER_URL, the Cosmos DB for MongoDB connection string) and runs
// the operations the to-do app uses through the sdk's default binder.
func TestMongoCollectionBinding(t *testing.T) {
	t.Setenv("MONGO_SERVER_URL", startFerretDB(t))
	t.Setenv(provider.EnvVar(sdk.KindCollection, "todos"), "mongo://faas/todos?id_field=id")
	app := sdk.New("t", nil)
	todos := app.Collection("todos", &sdk.CollectionOptions{KeyField: "id"})
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	defer app.Close(ctx)
	c, err := todos.Open(ctx)
	if err != nil {
		t.Fatalf("open: %v", err)
	}

	for i, title := range []string{"milk", "bread", "eggs"} {
		if err := c.Create(ctx, &todo{ID: title, Title: title, Rank: i}); err != nil {
			t.Fatalf("create %s: %v", title, err)
		}
	}
	if err := c.Create(ctx, &todo{ID: "milk", Title: "again"}); gcerrors.Code(err) != gcerrors.AlreadyExists {
		t.Errorf("duplicate create: %v; want AlreadyExists", err)
	}

	got := &todo{ID: "bread"}
	if err := c.Get(ctx, got); err != nil || got.Title != "bread" || got.Rank != 1 || got.DocstoreRevision == nil {
		t.Fatalf("get: %+v, %v", got, err)
	}
	stale := got.DocstoreRevision
	if err := c.Update(ctx, got, docstore.Mods{"done": true}); err != nil {
		t.Fatalf("update: %v", err)
	}

	var done []string
	it := c.Query().Where("done", "=", true).Get(ctx)
	for {
		var d todo
		err := it.Next(ctx, &d)
		if err != nil {
			break
		}
		done = append(done, d.ID)
	}
	it.Stop()
	if len(done) != 1 || done[0] != "bread" {
		t.Errorf("query done=true: %v; want [bread]", done)
	}

	var ranked []string
	it = c.Query().Where("rank", ">=", 0).OrderBy("rank", docstore.Descending).Get(ctx)
	for {
		var d todo
		if err := it.Next(ctx, &d); err != nil {
			break
		}
		ranked = append(ranked, d.ID)
	}
	it.Stop()
	if len(ranked) != 3 || ranked[0] != "eggs" || ranked[2] != "milk" {
		t.Errorf("ordered query: %v; want [eggs bread milk]", ranked)
	}

	// Optimistic locking: a write with a stale revision must fail. (FerretDB
	// reports it as NotFound where Cosmos/MongoDB report FailedPrecondition:
	// ../shared/emulators.md.)
	if err := c.Replace(ctx, &todo{ID: "bread", Title: "rye", DocstoreRevision: stale}); err == nil {
		t.Error("replace with a stale revision succeeded")
	}

	if err := c.Delete(ctx, &todo{ID: "milk"}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := c.Get(ctx, &todo{ID: "milk"}); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("get after delete: %v; want NotFound", err)
	}
}
