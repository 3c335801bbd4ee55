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
// Writes are committed in groups: one goroutine per database file runs every
// write of the process, and commits together all those queued while it was
// committing the previous group, each in its own savepoint, with one fsync
// for the group. A write that fails is rolled back alone; the writes of an
// action list are queued together, so they share commits too. A write whose
// context is cancelled before its group starts is not run.
//
// # Storage layout
//
// Each collection is a table named after the collection, with two columns:
// key (the document key, as typed JSON text) and doc (the whole document as
// typed JSON text; see the package's wire format below). Several collections
// may live in one database file. A bookkeeping table named
// _sqlitedocstore_collections records, per collection, its key field.
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
// closed. The process's writes go through one connection (see Durability),
// and writes from several processes on the same file are serialized by
// SQLite's lock (BEGIN IMMEDIATE) with a busy timeout (Options.BusyTimeout,
// 5s by default). Reads use the other connections of the pool and are never
// blocked by writes, nor block them (WAL).
//
// # Revisions
//
// A document's revision is a random positive int64, drawn anew at each write
// of the document, so revisions say nothing about the writes made to other
// documents, nor how many were made to this one, and a document deleted and
// created again does not reuse a revision someone may hold. A write carrying
// a stale revision fails with gcerrors.FailedPrecondition. Databases written
// by earlier versions, whose revisions came from a per-collection counter,
// open unchanged: their revisions stay valid until the next write.
//
// # Queries
//
// Queries run in SQL: filters (=, <, <=, >, >=, in, not-in, on top-level and
// dotted fields), ordering, offset and limit, so that only the documents
// returned are read and decoded. SQL compares fields through their sort key,
// the function sqlitedocstore_key over the field's JSON text, a byte string
// whose order is the driver's value order: values of different types never
// compare equal or in range; integers and floats compare by exact value;
// times by instant; strings and byte slices bytewise. Ordering puts values in
// the type order null, bool, number, string, bytes, time, then lists, maps
// and NaN (all tied), and ties in key order in the direction of the sort;
// documents lacking the field come last either way. Field paths are followed
// through maps only, not through lists. An equality or "in" filter on the
// key field with string values is a lookup by primary key.
//
// SQL cannot name a field whose name contains '"', '\' or a control
// character; a filter on such a field runs in Go over the rows matching the
// other filters, and then so do the ordering, offset and limit.
//
// # Indexes
//
// Options.Indexes declares a collection's secondary indexes, as the faas SDK
// does with sdk.Index. Each becomes a SQLite expression index named
// "<collection>/<index name>" on (sort key of Partition, sort key of Sort,
// key), partial on Partition being present. Indexes are created when the
// collection is opened (an index on existing documents is built then),
// kept across restarts, rebuilt when their definition changes and dropped
// when no longer declared (an opener declaring no index and no expiry
// field, such as a tool opening the collection by URL, leaves them be).
// Opening with the same declaration again changes nothing.
//
// A query is served by an index when it filters with "=" on the index's
// Partition and every other field it filters on or orders by is the index's
// Sort; SQLite then searches the index, without scanning the table or
// sorting, and a page costs the same however many documents other
// partitions hold and however deep the page is when it starts from a range
// cursor (Sort < x) rather than an offset. A query filtering with "=" or "in"
// on the key field is served by the primary key.
//
// When a collection declares indexes, a query that none of them serves
// fails with gcerrors.FailedPrecondition and a message naming the index to
// declare, for example:
//
//	sqlitedocstore: query on "todos" filters on owner and orders by created_at,
//	which no declared index serves: declare sdk.Index{Partition: "owner", Sort: "created_at"}
//
// so that a query which would scan a cloud table is caught in development.
// Options.AllowScans lets such queries scan instead; a collection declaring
// no index allows every query.
//
// Options.ExpiryField names a time field after which a document expires: the
// field is indexed, and the documents whose expiry time has passed are
// deleted when the collection is opened. As with cloud TTLs, expiry is lazy:
// queries must still filter out expired documents.
//
// # As
//
// Collection.As, the BeforeDo and BeforeQuery as-functions accept **sql.DB
// (the shared database handle). Writing through it bypasses group commit;
// the table and its indexes use the function sqlitedocstore_key, which
// other SQLite clients lack. ErrorAs accepts **sqlite.Error
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
