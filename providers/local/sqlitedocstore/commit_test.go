package sqlitedocstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/gcerrors"
)

// TestGroupCommit checks that writes queued while the committer is busy are
// run in one transaction, and that one failing write is rolled back alone.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	c, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "docs", "id", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := c.db

	// Hold the committer in a first write until the others are queued.
	// The others are queued only once the first runs: the committer then
	// has taken its group (the first alone), so everything queued next is
	// one group.
	release, running := make(chan struct{}), make(chan struct{})
	first := d.submit(ctx, func(context.Context, *writeTx) error {
		close(running)
		<-release
		return nil
	})
	<-running
	const n = 10
	var (
		mu  sync.Mutex
		txs = map[*writeTx]bool{}
	)
	var reqs []*writeReq
	for i := range n {
		reqs = append(reqs, d.submit(ctx, func(ctx context.Context, tx *writeTx) error {
			mu.Lock()
			txs[tx] = true
			mu.Unlock()
			if _, err := tx.ExecContext(ctx, `INSERT INTO docs (key, doc) VALUES (?, '{}')`, fmt.Sprint(i)); err != nil {
				return err
			}
			if i == 3 {
				return errors.New("write 3 fails")
			}
			return nil
		}))
	}
	cancelled, cancel := context.WithCancel(ctx)
	skipped := d.submit(cancelled, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO docs (key, doc) VALUES ('cancelled', '{}')`)
		return err
	})
	cancel()
	close(release)
	if err := first.wait(); err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		err := r.wait()
		if (i == 3) != (err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if err := skipped.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("write cancelled before it ran: %v, want context.Canceled", err)
	}
	if len(txs) != 1 {
		t.Errorf("%d queued writes ran in %d transactions, want 1", n, len(txs))
	}
	var got int
	if err := d.db.QueryRow(`SELECT count(*) FROM docs`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != n-1 {
		t.Errorf("%d rows committed, want %d (all but the failed write)", got, n-1)
	}
}

// TestActionListWritesSucceedAlone checks that the writes of one action list,
// committed together, succeed or fail each on its own, and that a failed
// write leaves the caller's document as it was.
func TestActionListWritesSucceedAlone(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	if err := c.Create(ctx, map[string]any{"id": "taken"}); err != nil {
		t.Fatal(err)
	}
	dup := map[string]any{"id": "taken", "DocstoreRevision": nil}
	al := c.Actions()
	for i := range 20 {
		al.Create(map[string]any{"id": fmt.Sprint(i)})
	}
	al.Create(dup)
	err := al.Do(ctx)
	var alErr docstore.ActionListError
	if !errors.As(err, &alErr) || len(alErr) != 1 || alErr[0].Index != 20 || gcerrors.Code(alErr[0].Err) != gcerrors.AlreadyExists {
		t.Fatalf("Do = %v, want one AlreadyExists error at index 20", err)
	}
	if dup["DocstoreRevision"] != nil {
		t.Errorf("failed Create left revision %v in the caller's document", dup["DocstoreRevision"])
	}
	n := 0
	iter := c.Query().Get(ctx)
	defer iter.Stop()
	for iter.Next(ctx, map[string]any{}) == nil {
		n++
	}
	if n != 21 {
		t.Errorf("%d documents, want 21", n)
	}
}

// TestRevisionsArePerDocument checks that a document's revisions do not
// count writes: they are not consecutive, and writing other documents in
// between changes nothing about them.
func TestRevisionsArePerDocument(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, filepath.Join(t.TempDir(), "db.sqlite"), "docs", nil)
	defer c.Close()
	doc := map[string]any{"id": "bob", "DocstoreRevision": nil}
	if err := c.Put(ctx, doc); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	consecutive := 0
	prev := doc["DocstoreRevision"].(int64)
	for i := range 50 {
		// alice writes her own document in between bob's writes.
		if err := c.Put(ctx, map[string]any{"id": "alice", "i": i, "DocstoreRevision": nil}); err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ctx, doc); err != nil {
			t.Fatal(err)
		}
		rev := doc["DocstoreRevision"].(int64)
		if rev <= 0 || seen[rev] || rev == prev {
			t.Fatalf("write %d: revision %d reused or not positive", i, rev)
		}
		if d := rev - prev; d >= -2 && d <= 2 {
			consecutive++
		}
		seen[rev], prev = true, rev
	}
	if consecutive > 1 {
		t.Errorf("%d of 50 revisions were within 2 of the previous one: they count writes", consecutive)
	}
}

// TestOldFormatOpens checks that a database written by earlier versions,
// whose revisions came from a per-collection counter, still opens and keeps
// checking those revisions.
func TestOldFormatOpens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`PRAGMA journal_mode = WAL`,
		`CREATE TABLE ` + metaTable + ` (name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE, key_field TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0)`,
		`INSERT INTO ` + metaTable + ` VALUES ('docs', 'id', 7)`,
		`CREATE TABLE docs (key TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)`,
		`INSERT INTO docs VALUES ('"a"', '{"DocstoreRevision":7,"id":"a","n":1}')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	c := openTest(t, path, "docs", &Options{Indexes: []Index{{Partition: "n"}}})
	defer c.Close()
	got := map[string]any{"id": "a"}
	if err := c.Get(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got["DocstoreRevision"] != int64(7) || got["n"] != int64(1) {
		t.Fatalf("old document read as %v", got)
	}
	stale := map[string]any{"id": "a", "n": 3, "DocstoreRevision": int64(7)}
	if err := c.Replace(ctx, map[string]any{"id": "a", "n": 2, "DocstoreRevision": int64(7)}); err != nil {
		t.Fatalf("Replace with the stored revision: %v", err)
	}
	if err := c.Replace(ctx, stale); gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("Replace with the old revision: %v, want FailedPrecondition", err)
	}
	// The declared index covers the old documents too.
	iter := c.Query().Where("n", "=", 2).Get(ctx)
	defer iter.Stop()
	if err := iter.Next(ctx, map[string]any{}); err != nil {
		t.Errorf("query by the new index: %v", err)
	}
}

// TestReadsNotBlockedByWrites checks that a query completes while the
// committer holds the write transaction open.
func TestReadsNotBlockedByWrites(t *testing.T) {
	ctx := context.Background()
	c, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "docs", "id", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	coll := docstore.NewCollection(c)
	defer coll.Close()
	if err := coll.Put(ctx, map[string]any{"id": "a", "n": 1}); err != nil {
		t.Fatal(err)
	}
	release, inside := make(chan struct{}), make(chan struct{})
	w := c.db.submit(ctx, func(ctx context.Context, tx *writeTx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM docs`); err != nil {
			return err
		}
		close(inside)
		<-release
		return nil
	})
	<-inside
	// The write transaction is open and uncommitted: readers see the
	// committed state and are not held up.
	readCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	got := map[string]any{"id": "a"}
	err = coll.Get(readCtx, got)
	close(release)
	if err != nil || got["n"] != int64(1) {
		t.Errorf("Get during a write: %v, %v", got, err)
	}
	if err := w.wait(); err != nil {
		t.Fatal(err)
	}
}

// TestWriteAfterCloseFails checks that a write reaching a closed database
// fails instead of panicking.
func TestWriteAfterCloseFails(t *testing.T) {
	ctx := context.Background()
	c, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "docs", "id", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	err = c.db.write(ctx, func(context.Context, *writeTx) error { return nil })
	if gcerrors.Code(err) != gcerrors.FailedPrecondition && errorCode(err) != gcerrors.FailedPrecondition {
		t.Errorf("write after close: %v, want FailedPrecondition", err)
	}
}
