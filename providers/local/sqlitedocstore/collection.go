package sqlitedocstore

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
	sqlite "modernc.org/sqlite"
)

// Options are optional settings for OpenCollection.
type Options struct {
	// RevisionField is the name of the document field holding the revision.
	// Defaults to docstore.DefaultRevisionField ("DocstoreRevision").
	RevisionField string

	// BusyTimeout is how long a write waits for another process's lock on the
	// database file before failing (with gcerrors.ResourceExhausted).
	// Defaults to 5s. Only the first collection opened on a database file in
	// a process determines it; later values are ignored while that file stays
	// open.
	BusyTimeout time.Duration

	// Indexes are the collection's secondary indexes. Each becomes a SQLite
	// expression index, created when the collection is opened; indexes
	// previously declared and no longer listed are dropped, unless neither
	// Indexes nor ExpiryField is set.
	Indexes []Index

	// AllowScans lets queries that no declared index (nor a lookup by key)
	// serves run when Indexes is non-empty. By default such queries fail
	// with gcerrors.FailedPrecondition and an error naming the index to
	// declare, so that a query that would scan a cloud table is caught in
	// development. A collection without declared indexes allows every query.
	AllowScans bool

	// ExpiryField, if set, names a time field after which a document
	// expires. Expired documents are deleted when the collection is opened,
	// through an index on the field; until then, queries still return them.
	ExpiryField string

	// Now returns the current time, to decide which documents have expired.
	// Defaults to time.Now.
	Now func() time.Time
}

// collection implements driver.Collection.
type collection struct {
	db       *database
	name     string
	table    string // quoted table name
	keyField string
	keyFunc  func(docstore.Document) any // used when keyField is empty (tests)
	revField string

	indexes      []Index
	requireIndex bool // queries no index serves fail
	expiryField  string

	plans structPlans // how documents are decoded into each struct type
}

// OpenCollection opens (creating if needed) the table for collection name in
// the SQLite database at path (created if missing, along with its directory),
// keyed by the document field keyField. opts may be nil.
//
// A collection remembers the key field it was created with; opening it later
// with another key field fails with an error matching
// gcerrors.ErrFailedPrecondition. Collection names, like SQLite table names,
// are case-insensitive (for ASCII letters).
func OpenCollection(ctx context.Context, path, name, keyField string, opts *Options) (*docstore.Collection, error) {
	if keyField == "" {
		return nil, newError(gcerrors.InvalidArgument, "open collection %q: empty key field", name)
	}
	c, err := newCollection(ctx, path, name, keyField, nil, opts)
	if err != nil {
		return nil, err
	}
	return docstore.NewCollection(c), nil
}

// newCollection opens a driver collection keyed either by keyField or, when
// keyField is empty, by keyFunc.
func newCollection(ctx context.Context, path, name, keyField string, keyFunc func(docstore.Document) any, opts *Options) (*collection, error) {
	if err := validateCollectionName(name); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	revField := opts.RevisionField
	if revField == "" {
		revField = docstore.DefaultRevisionField
	}
	db, err := acquireDatabase(ctx, path, opts.BusyTimeout)
	if err != nil {
		return nil, err
	}
	c := &collection{
		db:       db,
		name:     name,
		table:    quoteIdent(name),
		keyField: keyField,
		keyFunc:  keyFunc,
		revField: revField,

		indexes:      slices.Clone(opts.Indexes),
		requireIndex: len(opts.Indexes) > 0 && !opts.AllowScans,
		expiryField:  opts.ExpiryField,
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if err := c.createTable(ctx, now()); err != nil {
		_ = db.release()
		return nil, err
	}
	return c, nil
}

func validateCollectionName(name string) error {
	switch {
	case name == "":
		return newError(gcerrors.InvalidArgument, "empty collection name")
	case strings.ContainsRune(name, 0):
		return newError(gcerrors.InvalidArgument, "collection name %q contains NUL", name)
	case strings.HasPrefix(strings.ToLower(name), "sqlite_"), strings.EqualFold(name, metaTable):
		return newError(gcerrors.InvalidArgument, "collection name %q is reserved", name)
	}
	return nil
}

// createTable creates the collection's table, bookkeeping row and indexes,
// checks that the key field matches the one the collection was created
// with, and deletes the documents expired at now.
func (c *collection) createTable(ctx context.Context, now time.Time) error {
	return c.db.write(ctx, func(ctx context.Context, tx *writeTx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+c.table+` (
			key TEXT PRIMARY KEY NOT NULL,
			doc TEXT NOT NULL
		)`); err != nil {
			return wrapError(err, "create table for collection %q", c.name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO `+metaTable+` (name, key_field) VALUES (?, ?)`, c.name, c.keyField); err != nil {
			return wrapError(err, "register collection %q", c.name)
		}
		var stored string
		if err := tx.QueryRowContext(ctx, `SELECT key_field FROM `+metaTable+` WHERE name = ?`, c.name).Scan(&stored); err != nil {
			return wrapError(err, "read key field of collection %q", c.name)
		}
		if stored != c.keyField && stored != "" && c.keyField != "" {
			return newError(gcerrors.FailedPrecondition, "collection %q has key field %q, not %q", c.name, stored, c.keyField)
		}
		if err := c.syncIndexes(ctx, tx); err != nil {
			return err
		}
		return c.deleteExpired(ctx, tx, now)
	})
}

// Key implements driver.Collection.Key.
func (c *collection) Key(doc driver.Document) (any, error) {
	if c.keyField != "" {
		key, _ := doc.GetField(c.keyField) // a missing key is nil, not an error
		return key, nil
	}
	key := c.keyFunc(doc.Origin)
	if key == nil || driver.IsEmptyValue(reflect.ValueOf(key)) {
		return nil, newError(gcerrors.InvalidArgument, "missing document key")
	}
	return key, nil
}

// encodeKey returns the stored form of a key (the key column's value).
func encodeKey(key any) (string, error) {
	enc, err := encodeValue(key)
	if err != nil {
		return "", err
	}
	b, err := marshalWire(enc)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// RevisionField implements driver.Collection.RevisionField.
func (c *collection) RevisionField() string { return c.revField }

// RevisionToBytes implements driver.Collection.RevisionToBytes.
func (c *collection) RevisionToBytes(rev any) ([]byte, error) {
	r, ok := rev.(int64)
	if !ok {
		return nil, newError(gcerrors.InvalidArgument, "revision %v of type %T is not an int64", rev, rev)
	}
	return strconv.AppendInt(nil, r, 10), nil
}

// BytesToRevision implements driver.Collection.BytesToRevision.
func (c *collection) BytesToRevision(b []byte) (any, error) {
	r, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, &codedError{code: gcerrors.InvalidArgument, msg: "invalid revision", err: err}
	}
	return r, nil
}

// asFunc exposes the shared *sql.DB to BeforeDo and BeforeQuery callbacks.
func (c *collection) asFunc() func(any) bool { return driver.AsFunc(c.db.db) }

// As implements driver.Collection.As. It accepts **sql.DB.
func (c *collection) As(i any) bool { return c.asFunc()(i) }

// ErrorAs implements driver.Collection.ErrorAs. It accepts **sqlite.Error.
func (c *collection) ErrorAs(err error, i any) bool {
	if p, ok := i.(**sqlite.Error); ok {
		return errors.As(err, p)
	}
	return false
}

// ErrorCode implements driver.Collection.ErrorCode.
func (c *collection) ErrorCode(err error) gcerrors.ErrorCode { return errorCode(err) }

// Close implements driver.Collection.Close. It releases the collection's
// reference on the shared database, closing it with the last reference.
func (c *collection) Close() error { return c.db.release() }
