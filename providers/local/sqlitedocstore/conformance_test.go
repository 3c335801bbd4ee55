package sqlitedocstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"gocloud.dev/docstore"
	"gocloud.dev/docstore/driver"
	"gocloud.dev/docstore/drivertest"
	"gocloud.dev/gcerrors"
	sqlite "modernc.org/sqlite"
)

// harness runs the gocloud.dev conformance suite against one database file
// per test, with each kind of collection in its own table of that file.
type harness struct {
	t    *testing.T
	path string
}

func newHarness(_ context.Context, t *testing.T) (drivertest.Harness, error) {
	return &harness{t: t, path: filepath.Join(t.TempDir(), "conformance.sqlite")}, nil
}

func (h *harness) MakeCollection(ctx context.Context, kind drivertest.CollectionKind) (driver.Collection, error) {
	switch kind {
	case drivertest.SingleKey:
		return newCollection(ctx, h.path, "single", drivertest.KeyField, nil, nil)
	case drivertest.NoRev:
		return newCollection(ctx, h.path, "norev", drivertest.KeyField, nil, nil)
	case drivertest.AltRev:
		return newCollection(ctx, h.path, "altrev", drivertest.KeyField, nil,
			&Options{RevisionField: drivertest.AlternateRevisionField})
	case drivertest.TwoKey:
		// The HighScore collection's key is computed from two fields, which
		// OpenCollection does not offer; newCollection does.
		return newCollection(ctx, h.path, "twokey", "", drivertest.HighScoreKey, nil)
	}
	return nil, fmt.Errorf("unknown collection kind %v", kind)
}

// The as-functions of BeforeDo and BeforeQuery accept **sql.DB.
func (*harness) BeforeDoTypes() []any    { return []any{(*sql.DB)(nil)} }
func (*harness) BeforeQueryTypes() []any { return []any{(*sql.DB)(nil)} }

func (*harness) RevisionsEqual(rev1, rev2 any) bool { return rev1 == rev2 }

func (*harness) AtomicWritesKind() drivertest.AtomicWritesSupportKind {
	return drivertest.MultiplePartitions
}

// Close checks that closing every collection released the shared database.
func (h *harness) Close() {
	h.t.Helper()
	abs, err := canonicalPath(h.path)
	if err != nil {
		h.t.Error(err)
		return
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if d, ok := registry[abs]; ok {
		h.t.Errorf("database %s still open with %d references after all collections were closed", abs, d.refs)
	}
}

// codecTester exercises the driver's codec through the suite's
// TypeDrivenCodec and BlindCodec tests. The driver has no third-party native
// codec: its native representation is the typed-JSON text stored in SQLite.
// So the "docstore" side is the driver.Encoder/Decoder pair producing the
// in-memory form (map[string]any of int64, float64, ...), and the "native"
// side additionally passes every value through the stored text: NativeEncode
// returns that text, NativeDecode accepts either form and reparses it. Every
// cross-check therefore proves that values survive storage, and no type is
// declared unsupported.
type codecTester struct{}

func (codecTester) UnsupportedTypes() []drivertest.UnsupportedType { return nil }

func (codecTester) DocstoreEncode(x any) (any, error) {
	doc, err := driver.NewDocument(x)
	if err != nil {
		return nil, err
	}
	return encodeDoc(doc)
}

func (codecTester) DocstoreDecode(value, dest any) error {
	m, err := toStored(value)
	if err != nil {
		return err
	}
	doc, err := driver.NewDocument(dest)
	if err != nil {
		return err
	}
	return decodeDoc(&structPlans{}, m, doc, nil)
}

func (ct codecTester) NativeEncode(x any) (any, error) {
	m, err := ct.DocstoreEncode(x)
	if err != nil {
		return nil, err
	}
	return marshalWire(m)
}

func (ct codecTester) NativeDecode(value, dest any) error {
	if m, ok := value.(storedDoc); ok {
		b, err := marshalWire(m)
		if err != nil {
			return err
		}
		value = b
	}
	return ct.DocstoreDecode(value, dest)
}

// toStored returns the in-memory form of a value produced by DocstoreEncode
// or NativeEncode.
func toStored(value any) (storedDoc, error) {
	switch v := value.(type) {
	case storedDoc:
		return v, nil
	case []byte:
		x, err := unmarshalWire(string(v))
		if err != nil {
			return nil, err
		}
		if m, ok := x.(storedDoc); ok {
			return m, nil
		}
		return nil, fmt.Errorf("stored text decodes to %T, not a map", x)
	}
	return nil, fmt.Errorf("unexpected encoded value of type %T", value)
}

// asTest checks the driver-specific types documented for As and ErrorAs.
type asTest struct{}

func (asTest) Name() string { return "sqlitedocstore As" }

func (asTest) CollectionCheck(coll *docstore.Collection) error {
	var db *sql.DB
	if !coll.As(&db) || db == nil {
		return errors.New("Collection.As(**sql.DB) failed")
	}
	if err := db.Ping(); err != nil {
		return fmt.Errorf("the *sql.DB from As does not work: %v", err)
	}
	var s string
	if coll.As(&s) {
		return errors.New("Collection.As(*string) returned true")
	}
	return nil
}

func (asTest) QueryCheck(it *docstore.DocumentIterator) error {
	var db *sql.DB
	if it.As(&db) {
		return errors.New("DocumentIterator.As returned true")
	}
	return nil
}

func (asTest) ErrorCheck(c *docstore.Collection, err error) error {
	// err comes from creating a document that exists: not an SQLite error.
	if gcerrors.Code(err) != gcerrors.AlreadyExists {
		return fmt.Errorf("got code %v, want AlreadyExists", gcerrors.Code(err))
	}
	if !errors.Is(err, gcerrors.ErrAlreadyExists) {
		return fmt.Errorf("errors.Is(%v, gcerrors.ErrAlreadyExists) is false", err)
	}
	var se *sqlite.Error
	if c.ErrorAs(err, &se) {
		return errors.New("ErrorAs(**sqlite.Error) returned true for a non-SQLite error")
	}
	return nil
}

func TestConformance(t *testing.T) {
	drivertest.RunConformanceTests(t, newHarness, codecTester{}, []drivertest.AsTest{asTest{}})
}

// TestErrorAsSQLite checks that SQLite's own errors are exposed by ErrorAs.
func TestErrorAsSQLite(t *testing.T) {
	ctx := context.Background()
	dc, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "c", "id", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	coll := docstore.NewCollection(dc)
	defer coll.Close()
	// Break the table behind the driver's back so that SQLite reports an error.
	if _, err := dc.db.db.ExecContext(ctx, `DROP TABLE "c"`); err != nil {
		t.Fatal(err)
	}
	err = coll.Get(ctx, map[string]any{"id": "x"})
	if err == nil {
		t.Fatal("Get on a dropped table succeeded")
	}
	var se *sqlite.Error
	if !coll.ErrorAs(err, &se) {
		t.Fatalf("ErrorAs(%v, **sqlite.Error) = false", err)
	}
	if reflect.ValueOf(se).IsNil() {
		t.Fatal("ErrorAs set a nil *sqlite.Error")
	}
}
