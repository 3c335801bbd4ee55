// Package sqlitedocstore is a gocloud.dev/docstore driver backed by a SQLite
// database file, using the pure-Go modernc.org/sqlite driver (no cgo). It is
// the durable embedded document store used by `faas dev`.
//
// # Durability
//
// Every write action (Create, Replace, Put, Update, Delete) runs in a SQLite
// transaction that is committed before the action reports success. The
// database is opened in WAL mode with synchronous=FULL, so an acknowledged
// write survives a crash of the process (kill -9) and, as far as the
// filesystem honours fsync, of the machine.
//
// # Storage layout
//
// Each collection is a table named after the collection, with two columns:
// key (the document key, as typed JSON text) and doc (the whole document as
// typed JSON text; see the package's wire format below). Several collections
// may live in one database file. A bookkeeping table named
// _sqlitedocstore_collections records, per collection, its key field and the
// counter used to allocate revisions.
//
// Documents are encoded with docstore's driver codec into maps of int64,
// float64, string, bool, []byte, time.Time, nested lists and maps (the same
// representation memdocstore uses), then serialized as JSON in which the
// types JSON cannot tell apart are tagged: integers are written without a
// fraction and floats always with one, and []byte, time.Time, non-finite
// floats and strings that are not valid UTF-8 are written as one-key objects
// such as {"$b":"base64"} or {"$t":"2006-01-02T15:04:05.999999999Z"}. Map keys
// beginning with "$" are escaped with a second "$". Every value the docstore
// codec produces round-trips exactly.
//
// # Concurrency
//
// A process shares one *sql.DB per database file among all collections
// opened on it; the database is closed when the last such collection is
// closed. Writes from one process are serialized in the process, and writes
// from several processes on the same file are serialized by SQLite's lock
// (BEGIN IMMEDIATE) with a busy timeout (Options.BusyTimeout, 5s by
// default). Reads never block writers (WAL).
//
// # Revisions
//
// Revisions are int64 values drawn from a per-collection counter stored in
// the database, so they are never reused, even across processes and
// restarts. A write carrying a stale revision fails with
// gcerrors.FailedPrecondition.
//
// # Queries
//
// Filters (=, <, <=, >, >=, in, not-in), ordering, offset and limit are
// evaluated in Go over the collection's rows; an equality or "in" filter on
// the key field is pushed down to SQL. This favours correctness over speed
// and is intended for development-sized data sets. Field paths are followed
// through maps only, not through lists.
//
// # As
//
// Collection.As, the BeforeDo and BeforeQuery as-functions accept **sql.DB
// (the shared database handle). ErrorAs accepts **sqlite.Error
// (modernc.org/sqlite) for errors reported by SQLite. DocumentIterator.As
// always returns false.
//
// # Errors
//
// Errors returned through *docstore.Collection carry gcerrors codes as usual
// (gcerrors.Code). Errors returned directly by OpenCollection and URLOpener
// are classified with the gcerrors sentinels instead, for example
// errors.Is(err, gcerrors.ErrInvalidArgument), because gcerrors offers no
// way for a driver outside gocloud.dev to build a coded error.
//
// # URLs
//
// For docstore.OpenCollection, sqlitedocstore registers for the scheme
// "sqlite"; see URLOpener for the URL format.
package sqlitedocstore // import "github.com/faaskit/faas/providers/local/sqlitedocstore"
