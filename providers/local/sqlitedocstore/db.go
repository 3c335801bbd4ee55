package sqlitedocstore

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/gcerrors"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// This file manages the process-wide registry of open database files: one
// *sql.DB per absolute path, shared by every collection opened on it and
// closed when the last of them is closed.

// metaTable records each collection's key field. Its revision column holds
// the per-collection revision counter of earlier versions, no longer used.
const metaTable = "_sqlitedocstore_collections"

const defaultBusyTimeout = 5 * time.Second

// database is a reference-counted handle on one SQLite file.
type database struct {
	path  string
	db    *sql.DB
	stmts *stmtCache // prepared statements on db, for reads and the committer
	refs  int        // guarded by registryMu

	// Writes are queued on reqs for the committer goroutine (commit.go),
	// which runs them on its own connection and commits them in groups.
	reqs    chan *writeReq
	stopped chan struct{} // closed when the committer has stopped
	conn    *sql.Conn     // the committer's connection
	closeMu sync.RWMutex  // held to send on reqs (read) and to close it (write)
	closed  bool          // reqs is closed; guarded by closeMu
	// batchLimit is the most writes committed together: maxBatch, or 1 in
	// benchmarks measuring one commit per write.
	batchLimit atomic.Int32
}

var (
	registryMu sync.Mutex
	registry   = map[string]*database{}
)

// canonicalPath returns the absolute, cleaned form of path, with symlinks
// resolved when the file exists, to key the registry.
func canonicalPath(path string) (string, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return "", newError(gcerrors.InvalidArgument, "invalid database path %q: want a file system path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", &codedError{code: gcerrors.InvalidArgument, msg: "invalid database path " + strconv.Quote(path), err: err}
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	return abs, nil
}

// acquireDatabase returns the shared handle for path, opening the file (and
// creating it and its directory) if this process has not opened it yet. The
// caller must call release exactly once.
func acquireDatabase(ctx context.Context, path string, busyTimeout time.Duration) (*database, error) {
	abs, err := canonicalPath(path)
	if err != nil {
		return nil, err
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if d, ok := registry[abs]; ok {
		d.refs++
		return d, nil
	}
	d, err := openDatabase(ctx, abs, busyTimeout)
	if err != nil {
		return nil, err
	}
	d.refs = 1
	registry[abs] = d
	return d, nil
}

// release drops one reference, closing the database with the last one.
func (d *database) release() error {
	registryMu.Lock()
	defer registryMu.Unlock()
	d.refs--
	if d.refs > 0 {
		return nil
	}
	delete(registry, d.path)
	d.stopCommitter()
	d.stmts.close()
	_ = d.conn.Close()
	if err := d.db.Close(); err != nil {
		return wrapError(err, "close %s", d.path)
	}
	return nil
}

// dsn builds the modernc.org/sqlite data source name for abs. WAL with
// synchronous=FULL makes every committed transaction durable; _txlock makes
// every transaction BEGIN IMMEDIATE, taking the write lock up front so that
// read-modify-write actions never fail to upgrade their lock.
func dsn(abs string, busyTimeout time.Duration) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x becomes /C:/x, as SQLite URIs expect
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	return (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
}

func openDatabase(ctx context.Context, abs string, busyTimeout time.Duration) (*database, error) {
	if busyTimeout <= 0 {
		busyTimeout = defaultBusyTimeout
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, wrapError(err, "create directory for %s", abs)
	}
	db, err := sql.Open("sqlite", dsn(abs, busyTimeout))
	if err != nil {
		return nil, wrapError(err, "open %s", abs)
	}
	// Readers each use a connection of the pool. Keep many idle between
	// queries, so that bursts of concurrent queries do not reopen the file.
	db.SetMaxIdleConns(64)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, wrapError(err, "open %s", abs)
	}
	d := &database{
		path:    abs,
		db:      db,
		stmts:   &stmtCache{db: db},
		reqs:    make(chan *writeReq, maxBatch),
		stopped: make(chan struct{}),
		conn:    conn,
	}
	d.batchLimit.Store(maxBatch)
	// The committer outlives the call that opened the file.
	go d.commitLoop(context.WithoutCancel(ctx))
	if err := d.init(ctx); err != nil {
		d.stopCommitter()
		_ = conn.Close()
		_ = db.Close()
		return nil, err
	}
	return d, nil
}

// init creates the bookkeeping table and checks that WAL mode is on.
func (d *database) init(ctx context.Context) error {
	err := d.write(ctx, func(ctx context.Context, tx *writeTx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+metaTable+` (
			name      TEXT PRIMARY KEY NOT NULL COLLATE NOCASE, -- as table names are
			key_field TEXT NOT NULL,
			revision  INTEGER NOT NULL DEFAULT 0
		)`); err != nil {
			return wrapError(err, "initialize %s", d.path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var mode string
	if err := d.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return wrapError(err, "read journal mode of %s", d.path)
	}
	if !strings.EqualFold(mode, "wal") {
		return newError(gcerrors.FailedPrecondition, "journal mode of %s is %q, want wal", d.path, mode)
	}
	return nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
