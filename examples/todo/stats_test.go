package todo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"testing"

	"github.com/faaskit/faas/examples/todo"
	"github.com/faaskit/faas/providers/local/localtest"
	"github.com/faaskit/faas/sdk"
)

// deliver hands ev to the stats function directly, as a redelivery would.
func deliver(t *testing.T, env *localtest.Env, ev todo.Event) {
	t.Helper()
	f, ok := env.App.Function("stats")
	if !ok {
		t.Fatal("no stats function")
	}
	data, _ := json.Marshal(ev)
	if err := provider.HandleMessage(t.Context(), f, &sdk.Message{ID: ev.ID, Data: data}); err != nil {
		t.Fatalf("delivering %s: %v", ev.ID, err)
	}
}

func stats(t *testing.T, env *localtest.Env, token string) map[string]int {
	t.Helper()
	var st map[string]int
	(&client{t: t, env: env, token: token}).json("GET", "/api/stats", nil, 200, &st)
	return st
}

// TestStatsExactlyOnce replays an event after 10,000 newer ones for the
// same user, and again after a restart on the same data: it is counted
// once. (The in-memory window it replaces forgot events after 512.)
func TestStatsExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("delivers 10,000 events; run without -short")
	}
	dir := t.TempDir()
	first := todo.Event{ID: "first", Type: todo.EventCreated, User: "frank", TodoID: "t0"}
	const newer = 10_000
	t.Run("after newer events", func(t *testing.T) {
		env := localtest.Start(t, todo.App, &localtest.Options{DataDir: dir})
		deliver(t, env, first)
		for i := range newer {
			deliver(t, env, todo.Event{ID: fmt.Sprint("e", i), Type: todo.EventCompleted, User: "frank", TodoID: "t0"})
		}
		deliver(t, env, first)
		deliver(t, env, todo.Event{ID: "e0", Type: todo.EventCompleted, User: "frank"})
		if st := stats(t, env, env.Token("frank")); st["created"] != 1 || st["completed"] != newer {
			t.Errorf("stats %v; want created 1 and completed %d: a replay was counted again", st, newer)
		}
	})
	t.Run("after a restart", func(t *testing.T) {
		env := localtest.Start(t, todo.App, &localtest.Options{DataDir: dir})
		deliver(t, env, first)
		deliver(t, env, todo.Event{ID: fmt.Sprint("e", newer-1), Type: todo.EventCompleted, User: "frank"})
		deliver(t, env, todo.Event{ID: "new", Type: todo.EventDeleted, User: "frank"})
		if st := stats(t, env, env.Token("frank")); st["created"] != 1 || st["completed"] != newer || st["deleted"] != 1 {
			t.Errorf("stats %v after a restart; want created 1, completed %d, deleted 1", st, newer)
		}
	})
}

// TestStatsRacingDuplicates delivers the same events concurrently, as two
// consumers of one queue may: each is counted once, and events of other
// users with IDs that look like keys stay apart.
func TestStatsRacingDuplicates(t *testing.T) {
	is := newIssuer(t)
	env := is.start(t)
	const events, copies = 20, 4
	errs := make(chan error, events*copies)
	f, _ := env.App.Function("stats")
	for i := range events {
		for range copies {
			go func() {
				data, _ := json.Marshal(todo.Event{ID: fmt.Sprint("r", i), Type: todo.EventCreated, User: "grace"})
				var err error
				for range 20 { // redelivery of a retryable failure
					if err = provider.HandleMessage(context.Background(), f, &sdk.Message{Data: data}); err == nil || !sdk.Retryable(err) {
						break
					}
				}
				errs <- err
			}()
		}
	}
	for range events * copies {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A user whose ID is an event key, and one named like a stats key.
	deliver(t, env, todo.Event{ID: "x1", Type: todo.EventCreated, User: "event:r1"})
	deliver(t, env, todo.Event{ID: "x2", Type: todo.EventCreated, User: "user:grace"})
	if st := stats(t, env, is.token(t, "grace")); st["created"] != events {
		t.Errorf("grace's stats %v; want created %d (each event once)", st, events)
	}
	for _, u := range []string{"event:r1", "user:grace"} {
		if st := stats(t, env, is.token(t, u)); st["created"] != 1 {
			t.Errorf("%s's stats %v; want created 1", u, st)
		}
	}
}
