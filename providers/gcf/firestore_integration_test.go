//go:build integration

package gcf

import (
	"context"
	"github.com/faaskit/faas/internal/emulators"
	"github.com/faaskit/faas/sdk/provider"
	"testing"
	"time"

	"github.com/faaskit/faas/sdk"
)

// The Firestore binding against the gcloud Firestore emulator (a Java
// process): run with -tags integration (scripts/test.sh does).

func TestBindingFirestore(t *testing.T) {
	host := startFirestoreEmulator(t)
	t.Setenv("FIRESTORE_EMULATOR_HOST", host)
	t.Setenv(provider.EnvVar(sdk.KindCollection, "todos"), "firestore://projects/faas-proj/databases/(default)/documents/todos?name_field=id")

	a := sdk.New("bind", nil)
	todos := a.Collection("todos", nil)
	ctx := t.Context()
	c, err := todos.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.WithoutCancel(ctx)) })
	type todo struct {
		ID    string `docstore:"id"`
		Title string `docstore:"title"`
		Done  bool   `docstore:"done"`
	}
	if err := c.Put(ctx, &todo{ID: "t1", Title: "write tests"}); err != nil {
		t.Fatal(err)
	}
	got := todo{ID: "t1"}
	if err := c.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "write tests" || got.Done {
		t.Errorf("got %+v; want the stored todo", got)
	}
}

// startFirestoreEmulator starts the Firestore emulator, waits until it
// serves, and stops it at cleanup; it returns its address.
func startFirestoreEmulator(t *testing.T) string {
	t.Helper()
	fs, err := emulators.StartFirestore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Stop)
	if err := fs.Wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	return fs.Addr
}
