package sqlitedocstore

import (
	"fmt"
	"reflect"
	"time"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

// This file converts between docstore documents and the in-memory
// representation that is serialized by wire.go. As in memdocstore, a document
// becomes a map[string]any whose values are nil, bool, string, int64,
// float64, []byte, time.Time, []any or map[string]any.

// storedDoc is a document as it is stored: the decoded content of a doc
// column.
type storedDoc = map[string]any

// encodeDoc encodes a driver.Document.
func encodeDoc(doc driver.Document) (storedDoc, error) {
	var e encoder
	if err := doc.Encode(&e); err != nil {
		return nil, fmt.Errorf("sqlitedocstore: encode document: %w", err)
	}
	m, ok := e.val.(map[string]any)
	if !ok {
		return nil, newError(gcerrors.InvalidArgument, "document encoded as %T, not a map", e.val)
	}
	return m, nil
}

// encodeValue encodes a single Go value, such as a key, a filter value or the
// value of an Update mod.
func encodeValue(v any) (any, error) {
	var e encoder
	if err := driver.Encode(reflect.ValueOf(v), &e); err != nil {
		return nil, fmt.Errorf("sqlitedocstore: encode %T value: %w", v, err)
	}
	return e.val, nil
}

type encoder struct {
	val any
}

func (e *encoder) EncodeNil()            { e.val = nil }
func (e *encoder) EncodeBool(x bool)     { e.val = x }
func (e *encoder) EncodeInt(x int64)     { e.val = x }
func (e *encoder) EncodeUint(x uint64)   { e.val = int64(x) } // wraps above MaxInt64; AsUint undoes it
func (e *encoder) EncodeBytes(x []byte)  { e.val = append([]byte(nil), x...) }
func (e *encoder) EncodeFloat(x float64) { e.val = x }
func (e *encoder) EncodeString(x string) { e.val = x }
func (e *encoder) ListIndex(int)         { panic("impossible") }
func (e *encoder) MapKey(string)         { panic("impossible") }

var typeOfGoTime = reflect.TypeFor[time.Time]()

func (e *encoder) EncodeSpecial(v reflect.Value) (bool, error) {
	if v.Type() == typeOfGoTime {
		e.val = v.Interface()
		return true, nil
	}
	return false, nil
}

func (e *encoder) EncodeList(n int) driver.Encoder {
	s := make([]any, n)
	e.val = s
	return &listEncoder{s: s}
}

type listEncoder struct {
	s []any
	encoder
}

func (e *listEncoder) ListIndex(i int) { e.s[i] = e.val }

func (e *encoder) EncodeMap(n int) driver.Encoder {
	m := make(map[string]any, n)
	e.val = m
	return &mapEncoder{m: m}
}

type mapEncoder struct {
	m map[string]any
	encoder
}

func (e *mapEncoder) MapKey(k string) { e.m[k] = e.val }

// decodeDoc decodes m into ddoc, through plans when they can. If fps is
// non-empty, only those field paths are decoded.
func decodeDoc(plans *structPlans, m storedDoc, ddoc driver.Document, fps [][]string) error {
	m2 := m
	if len(fps) > 0 {
		m2 = map[string]any{}
		for _, fp := range fps {
			val, ok := getAtFieldPath(m, fp)
			if !ok {
				continue
			}
			if err := setAtFieldPath(m2, fp, val); err != nil {
				return err
			}
		}
	}
	if plans != nil && plans.decodeInto(m2, ddoc) {
		return nil
	}
	if err := ddoc.Decode(decoder{m2}); err != nil {
		return fmt.Errorf("sqlitedocstore: decode document: %w", err)
	}
	return nil
}

type decoder struct {
	val any
}

func (d decoder) String() string { return fmt.Sprint(d.val) }

func (d decoder) AsNull() bool { return d.val == nil }

func (d decoder) AsBool() (bool, bool) {
	b, ok := d.val.(bool)
	return b, ok
}

func (d decoder) AsString() (string, bool) {
	s, ok := d.val.(string)
	return s, ok
}

func (d decoder) AsInt() (int64, bool) {
	i, ok := d.val.(int64)
	return i, ok
}

func (d decoder) AsUint() (uint64, bool) {
	i, ok := d.val.(int64)
	return uint64(i), ok
}

// AsFloat also accepts integers, so a number stored as an int64 can be read
// into a float field.
func (d decoder) AsFloat() (float64, bool) {
	switch x := d.val.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func (d decoder) AsBytes() ([]byte, bool) {
	bs, ok := d.val.([]byte)
	return bs, ok
}

func (d decoder) AsInterface() (any, error) { return d.val, nil }

func (d decoder) ListLen() (int, bool) {
	if s, ok := d.val.([]any); ok {
		return len(s), true
	}
	return 0, false
}

func (d decoder) DecodeList(f func(i int, d2 driver.Decoder) bool) {
	for i, e := range d.val.([]any) {
		if !f(i, decoder{e}) {
			return
		}
	}
}

func (d decoder) MapLen() (int, bool) {
	if m, ok := d.val.(map[string]any); ok {
		return len(m), true
	}
	return 0, false
}

func (d decoder) DecodeMap(f func(key string, d2 driver.Decoder, exactMatch bool) bool) {
	for k, v := range d.val.(map[string]any) {
		if !f(k, decoder{v}, true) {
			return
		}
	}
}

// AsSpecial decodes time.Time values. A null decodes to the zero time.
func (d decoder) AsSpecial(v reflect.Value) (bool, any, error) {
	if v.Type() != typeOfGoTime {
		return false, nil, nil
	}
	switch x := d.val.(type) {
	case time.Time:
		return true, x, nil
	case nil:
		return true, time.Time{}, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return true, nil, &codedError{code: gcerrors.InvalidArgument, msg: "cannot decode time", err: err}
		}
		return true, t, nil
	}
	return false, nil, nil
}
