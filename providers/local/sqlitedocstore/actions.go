package sqlitedocstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// RunActions implements driver.Collection.RunActions.
//
// BeforeDo is called once, before any action runs. Gets run outside
// transactions. Each write action runs in its own savepoint and succeeds or
// fails alone, except that the actions of an atomic-writes group all run in
// one savepoint: they all succeed or all fail together. All the writes are
// queued at once and so committed together (see commit.go). A nil error for
// a write means it has been committed to disk.
func (c *collection) RunActions(ctx context.Context, actions []*driver.Action, opts *driver.RunActionsOptions) driver.ActionListError {
	n := 0
	for _, a := range actions {
		n = max(n, a.Index+1)
	}
	errs := make([]error, n)
	if opts.BeforeDo != nil {
		if err := opts.BeforeDo(c.asFunc()); err != nil {
			for _, a := range actions {
				errs[a.Index] = err
			}
			return driver.NewActionListError(errs)
		}
	}

	beforeGets, gets, writes, writesTx, afterGets := driver.GroupActions(actions)
	// GroupActions puts Creates without a key among the plain writes even
	// when they belong to an atomic group; move them to the group.
	writes = slices.DeleteFunc(writes, func(a *driver.Action) bool {
		if a.InAtomicWrite {
			writesTx = append(writesTx, a)
			return true
		}
		return false
	})
	slices.SortFunc(writesTx, func(a, b *driver.Action) int { return a.Index - b.Index })

	runGets := func(as []*driver.Action) {
		for _, a := range as {
			errs[a.Index] = c.runGet(ctx, a)
		}
	}
	runGets(beforeGets)
	runGets(gets)
	// Queue every write at once, so that they are committed together.
	type pending struct {
		actions []*driver.Action
		wait    func() error
	}
	var ps []pending
	for _, a := range writes {
		ps = append(ps, pending{[]*driver.Action{a}, c.submitWrites(ctx, []*driver.Action{a})})
	}
	if len(writesTx) > 0 {
		ps = append(ps, pending{writesTx, c.submitWrites(ctx, writesTx)})
	}
	for _, p := range ps {
		if err := p.wait(); err != nil {
			for _, a := range p.actions {
				errs[a.Index] = err
			}
		}
	}
	runGets(afterGets)
	return driver.NewActionListError(errs)
}

// queryer is satisfied by *sql.DB, *sql.Tx and *writeTx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadRaw reads the wire form of the document stored under the encoded key k.
func (c *collection) loadRaw(ctx context.Context, q queryer, k string) (b string, found bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT doc FROM `+c.table+` WHERE key = ?`, k).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrapError(err, "read %s from %q", k, c.name)
	}
	return b, true, nil
}

// load reads the document stored under the encoded key k.
func (c *collection) load(ctx context.Context, q queryer, k string) (doc storedDoc, found bool, err error) {
	b, found, err := c.loadRaw(ctx, q, k)
	if !found || err != nil {
		return nil, found, err
	}
	v, err := unmarshalWire(b)
	if err != nil {
		return nil, false, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, newError(gcerrors.Internal, "stored document %s in %q is a %T, not a map", k, c.name, v)
	}
	return m, true, nil
}

func (c *collection) runGet(ctx context.Context, a *driver.Action) error {
	if err := ctx.Err(); err != nil {
		return wrapError(err, "get")
	}
	k, err := encodeKey(a.Key)
	if err != nil {
		return err
	}
	b, found, err := c.loadRaw(ctx, c.db.stmts, k)
	if err != nil {
		return err
	}
	if !found {
		return newError(gcerrors.NotFound, "document with key %v does not exist in %q", a.Key, c.name)
	}
	return decodeStored(&c.plans, c.name, b, a.Doc, a.FieldPaths)
}

// submitWrites queues the write actions to run together, atomically, and
// returns a function waiting for their outcome. On failure nothing is
// written and the callers' documents are restored to their previous state.
func (c *collection) submitWrites(ctx context.Context, actions []*driver.Action) (wait func() error) {
	var undos []func()
	r := c.db.submit(ctx, func(txCtx context.Context, tx *writeTx) error {
		for _, a := range actions {
			if err := ctx.Err(); err != nil {
				return wrapError(err, "write")
			}
			undo, err := c.applyWrite(txCtx, tx, a)
			if undo != nil {
				undos = append(undos, undo)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return func() error {
		err := r.wait()
		if err != nil {
			for i := len(undos) - 1; i >= 0; i-- {
				undos[i]()
			}
		}
		return err
	}
}

// applyWrite performs one write action inside tx. It returns a function that
// undoes its changes to the caller's document (a generated key, a new
// revision), to be called if the transaction does not commit.
func (c *collection) applyWrite(ctx context.Context, tx *writeTx, a *driver.Action) (undo func(), err error) {
	key := a.Key
	generated := false
	if a.Kind == driver.Create && key == nil {
		// Key reports a missing key as an error when keyFunc is used, so
		// keyField is set here.
		key, generated = driver.UniqueString(), true
	}
	k, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	// Creates, and Puts and Deletes without a revision to check, need not
	// read the stored document: the key's uniqueness makes a Create of an
	// existing document fail.
	var (
		cur    storedDoc
		exists bool
	)
	blind := a.Kind == driver.Create || ((a.Kind == driver.Put || a.Kind == driver.Delete) && !c.hasRevision(a.Doc))
	if !blind {
		if cur, exists, err = c.load(ctx, tx, k); err != nil {
			return nil, err
		}
	}
	switch {
	case a.Kind == driver.Create && exists:
		return nil, newError(gcerrors.AlreadyExists, "document with key %v already exists in %q", key, c.name)
	case (a.Kind == driver.Replace || a.Kind == driver.Update) && !exists:
		return nil, newError(gcerrors.NotFound, "document with key %v does not exist in %q", key, c.name)
	}
	if exists {
		if err := c.checkRevision(a.Doc, cur); err != nil {
			return nil, err
		}
	}

	var (
		doc    storedDoc
		setRev bool
	)
	switch a.Kind {
	case driver.Delete:
		if !exists && !blind {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.table+` WHERE key = ?`, k); err != nil {
			return nil, wrapError(err, "delete %s from %q", k, c.name)
		}
		return nil, nil
	case driver.Create, driver.Replace, driver.Put:
		if doc, err = encodeDoc(a.Doc); err != nil {
			return nil, err
		}
		if generated {
			doc[c.keyField] = key
		}
		setRev = a.Doc.HasField(c.revField)
	case driver.Update:
		if err := c.checkMods(a.Mods); err != nil {
			return nil, err
		}
		doc = cur
		if err := applyMods(doc, a.Mods); err != nil {
			return nil, err
		}
		// Bump the stored revision even if the caller's document has no
		// revision field, so that others holding the old revision notice.
		_, hadRev := cur[c.revField]
		setRev = hadRev || a.Doc.HasField(c.revField)
	default:
		return nil, newError(gcerrors.Internal, "unexpected action kind %v", a.Kind)
	}

	var rev int64
	if setRev {
		rev = newRevision(cur[c.revField])
		doc[c.revField] = rev
	}
	b, err := marshalWire(doc)
	if err != nil {
		return nil, err
	}
	insert := `INSERT INTO ` + c.table + ` (key, doc) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`
	if a.Kind == driver.Create {
		insert = `INSERT INTO ` + c.table + ` (key, doc) VALUES (?, ?)`
	}
	if _, err := tx.ExecContext(ctx, insert, k, string(b)); err != nil {
		if se := (*sqlite.Error)(nil); errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return nil, newError(gcerrors.AlreadyExists, "document with key %v already exists in %q", key, c.name)
		}
		return nil, wrapError(err, "write %s to %q", k, c.name)
	}

	// Report the generated key and the new revision in the caller's document.
	setKey := generated
	setDocRev := setRev && a.Doc.HasField(c.revField)
	if !setKey && !setDocRev {
		return nil, nil
	}
	undo = snapshotFields(a.Doc, c.keyField, c.revField)
	if setKey {
		if err := setField(a.Doc, c.keyField, key); err != nil {
			return undo, err
		}
	}
	if setDocRev {
		if err := setField(a.Doc, c.revField, rev); err != nil {
			return undo, err
		}
	}
	return undo, nil
}

// hasRevision reports whether doc carries a revision to check.
func (c *collection) hasRevision(doc driver.Document) bool {
	if !doc.HasField(c.revField) {
		return false // checked first: GetField's error for a missing field costs a formatted message
	}
	r, err := doc.GetField(c.revField)
	return err == nil && r != nil
}

// checkRevision checks that the revision in arg, if any, matches that of the
// stored document cur, if any.
func (c *collection) checkRevision(arg driver.Document, cur storedDoc) error {
	curRev, ok := cur[c.revField]
	if !ok {
		return nil // the stored document has no revision
	}
	r, err := arg.GetField(c.revField)
	if err != nil || r == nil {
		return nil // the caller does not ask for a revision check
	}
	want, ok := r.(int64)
	if !ok {
		return newError(gcerrors.InvalidArgument, "revision field %s is a %T, not an int64", c.revField, r)
	}
	if have, ok := curRev.(int64); !ok || have != want {
		return newError(gcerrors.FailedPrecondition, "mismatched revisions: want %d, current %v", want, curRev)
	}
	return nil
}

// checkMods rejects mods that would change the document key.
func (c *collection) checkMods(mods []driver.Mod) error {
	if c.keyField == "" {
		return nil
	}
	for _, m := range mods {
		if m.FieldPath[0] == c.keyField {
			return newError(gcerrors.InvalidArgument, "cannot update key field %q", c.keyField)
		}
	}
	return nil
}

// newRevision returns a revision for a document whose current revision is
// cur (nil if none): a random positive int64 other than cur. Revisions are
// per document and say nothing of other documents' writes; drawing them at
// random, rather than counting, keeps a document that is deleted and created
// again from reusing a revision someone may still hold.
func newRevision(cur any) int64 {
	for {
		if r := rand.Int64(); r != 0 && r != cur {
			return r
		}
	}
}

// applyMods applies Update mods to doc. On error doc may be partly modified.
func applyMods(doc storedDoc, mods []driver.Mod) error {
	for _, mod := range mods {
		switch v := mod.Value.(type) {
		case nil:
			if err := deleteAtFieldPath(doc, mod.FieldPath); err != nil {
				return err
			}
		case driver.IncOp:
			amount, err := encodeValue(v.Amount)
			if err != nil {
				return err
			}
			cur, _ := getAtFieldPath(doc, mod.FieldPath)
			sum, err := add(cur, amount)
			if err != nil {
				return err
			}
			if err := setAtFieldPath(doc, mod.FieldPath, sum); err != nil {
				return err
			}
		default:
			ev, err := encodeValue(v)
			if err != nil {
				return err
			}
			if err := setAtFieldPath(doc, mod.FieldPath, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// add adds two encoded numbers (int64 or float64). A missing x counts as 0;
// an int64 plus a float64 is a float64.
func add(x, y any) (any, error) {
	if x == nil {
		return y, nil
	}
	switch x := x.(type) {
	case int64:
		switch y := y.(type) {
		case int64:
			return x + y, nil
		case float64:
			return float64(x) + y, nil
		}
	case float64:
		switch y := y.(type) {
		case int64:
			return x + float64(y), nil
		case float64:
			return x + y, nil
		}
	default:
		return nil, newError(gcerrors.InvalidArgument, "cannot increment value %v of type %T", x, x)
	}
	return nil, newError(gcerrors.InvalidArgument, "invalid increment amount %v of type %T", y, y)
}

// snapshotFields records the current state of the named fields of doc (of
// the whole struct, for a struct document) and returns a function restoring
// it.
func snapshotFields(doc driver.Document, fields ...string) func() {
	if m, ok := doc.Origin.(map[string]any); ok {
		type saved struct {
			v       any
			present bool
		}
		s := make(map[string]saved, len(fields))
		for _, f := range fields {
			v, ok := m[f]
			s[f] = saved{v, ok}
		}
		return func() {
			for f, sv := range s {
				if sv.present {
					m[f] = sv.v
				} else {
					delete(m, f)
				}
			}
		}
	}
	rv := reflect.ValueOf(doc.Origin).Elem()
	old := reflect.New(rv.Type()).Elem()
	old.Set(rv)
	return func() { rv.Set(old) }
}

// setField is doc.SetField, turning the panic caused by a value of the wrong
// type into an error.
func setField(doc driver.Document, field string, value any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newError(gcerrors.InvalidArgument, "cannot set field %q to %v of type %T: %v", field, value, value, r)
		}
	}()
	if err := doc.SetField(field, value); err != nil {
		return fmt.Errorf("sqlitedocstore: set field %q: %w", field, err)
	}
	return nil
}
