package sqlitedocstore

import (
	"context"
	"database/sql"
	"strings"

	"gocloud.dev/gcerrors"
)

// This file implements group commit. Every write of a process to a database
// file goes through one committer goroutine. It takes all the writes queued
// while it was busy, runs each in its own savepoint of one transaction
// (BEGIN IMMEDIATE) and commits them together: one fsync for the group, with
// synchronous=FULL. A write is acknowledged only after that commit, so each
// acknowledged write is as durable as before; a write that fails is rolled
// back to its savepoint without affecting the others in its group.

// maxBatch bounds the writes committed together.
const maxBatch = 256

// writeReq is one queued write.
type writeReq struct {
	ctx  context.Context // the caller's: a write cancelled before it runs is skipped
	fn   func(context.Context, *writeTx) error
	done chan error
}

// submit queues fn to run in a write transaction and returns the request,
// whose wait reports the outcome.
func (d *database) submit(ctx context.Context, fn func(context.Context, *writeTx) error) *writeReq {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	d.closeMu.RLock()
	defer d.closeMu.RUnlock()
	if d.closed {
		r.done <- newError(gcerrors.FailedPrecondition, "write to %s after it was closed", d.path)
		return r
	}
	select {
	case d.reqs <- r:
	case <-ctx.Done():
		r.done <- wrapError(ctx.Err(), "wait for write lock")
	}
	return r
}

// wait returns nil once the write is committed (durable), or its error.
// Errors from fn are returned unchanged.
func (r *writeReq) wait() error { return <-r.done }

// write runs fn in a write transaction and returns when it is committed, or
// failed and rolled back.
func (d *database) write(ctx context.Context, fn func(context.Context, *writeTx) error) error {
	return d.submit(ctx, fn).wait()
}

// stopCommitter stops the committer once it has run the writes queued.
func (d *database) stopCommitter() {
	d.closeMu.Lock()
	d.closed = true
	close(d.reqs)
	d.closeMu.Unlock()
	<-d.stopped
}

// commitLoop is the committer: it runs until reqs is closed. ctx is used for
// every statement, since cancelling a statement inside a transaction may roll
// back the whole group.
func (d *database) commitLoop(ctx context.Context) {
	defer close(d.stopped)
	batch := make([]*writeReq, 0, maxBatch)
	for r := range d.reqs {
		batch = append(batch[:0], r)
		limit := int(d.batchLimit.Load())
	drain:
		for len(batch) < limit {
			select {
			case r, ok := <-d.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		d.commit(ctx, batch)
	}
}

// commit runs and commits one group of writes, then reports to each.
func (d *database) commit(ctx context.Context, batch []*writeReq) {
	errs := make([]error, len(batch))
	defer func() {
		for i, r := range batch {
			r.done <- errs[i]
		}
	}()
	var live []int
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = wrapError(err, "wait for write lock")
			continue
		}
		live = append(live, i)
	}
	if len(live) == 0 {
		return
	}
	failAll := func(err error) {
		for _, i := range live {
			errs[i] = err
		}
	}
	sqlTx, err := d.conn.BeginTx(ctx, nil)
	tx := &writeTx{Tx: sqlTx, cache: d.stmts, stmts: map[string]*sql.Stmt{}}
	if err != nil {
		failAll(wrapError(err, "begin transaction on %s", d.path))
		return
	}
	ok := 0
	if len(live) == 1 {
		errs[live[0]] = batch[live[0]].fn(ctx, tx)
		if errs[live[0]] == nil {
			ok++
		}
	} else {
		for _, i := range live {
			fnErr, err := savepoint(ctx, tx, batch[i].fn)
			if err != nil {
				_ = tx.Rollback()
				failAll(wrapError(err, "write to %s", d.path))
				return
			}
			errs[i] = fnErr
			if fnErr == nil {
				ok++
			}
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		err = wrapError(err, "commit to %s", d.path)
		for _, i := range live {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
}

// writeTx is the transaction of a group of writes. Its ExecContext and
// QueryRowContext run each statement through the database's cached
// prepared statements, which stay prepared on the committer's connection
// from one group to the next; its own handles on them are closed when it
// commits or rolls back.
type writeTx struct {
	*sql.Tx
	cache *stmtCache
	stmts map[string]*sql.Stmt
}

func (tx *writeTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := tx.stmts[query]; ok {
		return s, nil
	}
	var cached *sql.Stmt
	if cacheable(query) {
		// On an error, preparing it in tx reports it.
		cached, _ = tx.cache.stmt(ctx, query)
	}
	var s *sql.Stmt
	if cached != nil {
		s = tx.StmtContext(ctx, cached)
	} else {
		var err error
		if s, err = tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
	}
	tx.stmts[query] = s
	return s, nil
}

// cacheable reports whether query may be prepared outside the transaction
// and kept: data statements may, while schema statements are prepared in
// the transaction that may itself change the schema they name.
func cacheable(query string) bool {
	for _, p := range []string{"SELECT ", "INSERT ", "UPDATE ", "DELETE ", "SAVEPOINT ", "RELEASE ", "ROLLBACK TO "} {
		if strings.HasPrefix(query, p) {
			return true
		}
	}
	return false
}

// ExecContext is sql.Tx.ExecContext through a prepared statement.
func (tx *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryRowContext is sql.Tx.QueryRowContext through a prepared statement.
func (tx *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return tx.Tx.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}

// savepoint runs fn in a savepoint of tx, rolling back to it if fn fails.
// It returns fn's error, and an error if the savepoint itself failed, which
// leaves tx unusable.
func savepoint(ctx context.Context, tx *writeTx, fn func(context.Context, *writeTx) error) (fnErr, err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
		return nil, err
	}
	if fnErr = fn(ctx, tx); fnErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
			return fnErr, err
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
		return fnErr, err
	}
	return fnErr, nil
}
