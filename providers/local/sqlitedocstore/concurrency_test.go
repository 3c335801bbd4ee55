package sqlitedocstore

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"gocloud.dev/docstore"
)

// TestConcurrentWriters runs writers, incrementers and readers from many
// goroutines against two collections in one database file, with collections
// opened and closed concurrently too.
func TestConcurrentWriters(t *testing.T) {
	const (
		goroutines = 8
		perG       = 25
	)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "concurrent.sqlite")
	open := func(name string) *docstore.Collection {
		t.Helper()
		c, err := OpenCollection(ctx, path, name, "id", nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	todos, events := open("todos"), open("events")
	defer todos.Close()
	defer events.Close()
	if err := events.Create(ctx, map[string]any{"id": "counter", "n": 0}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errc := make(chan error, 4*goroutines)
	for g := range goroutines {
		wg.Add(4)
		go func() { // creates and updates in todos
			defer wg.Done()
			for i := range perG {
				doc := map[string]any{"id": fmt.Sprintf("g%d-%d", g, i), "g": g, "i": i, "DocstoreRevision": nil}
				if err := todos.Create(ctx, doc); err != nil {
					errc <- err
					return
				}
				if err := todos.Update(ctx, doc, docstore.Mods{"done": true}); err != nil {
					errc <- err
					return
				}
			}
		}()
		go func() { // increments in events, through its own handle
			defer wg.Done()
			c, err := OpenCollection(ctx, path, "events", "id", nil)
			if err != nil {
				errc <- err
				return
			}
			defer c.Close()
			for range perG {
				if err := c.Update(ctx, map[string]any{"id": "counter"}, docstore.Mods{"n": docstore.Increment(1)}); err != nil {
					errc <- err
					return
				}
			}
		}()
		go func() { // atomic groups in events
			defer wg.Done()
			for i := range perG / 5 {
				al := events.Actions().AtomicWrites()
				for j := range 5 {
					al.Put(map[string]any{"id": fmt.Sprintf("e%d-%d-%d", g, i, j)})
				}
				if err := al.Do(ctx); err != nil {
					errc <- err
					return
				}
			}
		}()
		go func() { // readers
			defer wg.Done()
			for range perG {
				iter := todos.Query().Where("g", "=", g).Get(ctx)
				for {
					err := iter.Next(ctx, map[string]any{})
					if err == io.EOF {
						break
					}
					if err != nil {
						errc <- err
						return
					}
				}
				iter.Stop()
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	count := func(q *docstore.Query) int {
		t.Helper()
		iter := q.Get(ctx)
		defer iter.Stop()
		n := 0
		for {
			err := iter.Next(ctx, map[string]any{})
			if err == io.EOF {
				return n
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if got, want := count(todos.Query().Where("done", "=", true)), goroutines*perG; got != want {
		t.Errorf("%d done todos, want %d", got, want)
	}
	if got, want := count(events.Query()), goroutines*(perG/5)*5+1; got != want {
		t.Errorf("%d events, want %d", got, want)
	}
	counter := map[string]any{"id": "counter"}
	if err := events.Get(ctx, counter); err != nil {
		t.Fatal(err)
	}
	if got, want := counter["n"], int64(goroutines*perG); got != want {
		t.Errorf("counter = %v, want %d", got, want)
	}
	// The two collections are separate tables.
	if err := todos.Get(ctx, map[string]any{"id": "counter"}); err == nil {
		t.Error("todos has events' document")
	}
}
