package sqlitedocstore

import (
	"database/sql/driver"
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"gocloud.dev/gcerrors"
	sqlite "modernc.org/sqlite"
)

// This file defines the sort key: a byte string per stored value whose
// bytewise order is the order in which queries compare and sort values.
// SQL evaluates it with the function sortKeyFunc over a field's JSON text,
// so filters, ordering and expression indexes work on it directly:
//
//	sqlitedocstore_key(doc -> '$."owner"')
//
// The first byte ranks the type (null, bool, number, string, bytes, time,
// other), as sortDocs does; the rest orders values within the type the way
// compareValues does. Values compareValues cannot compare with anything
// (lists, maps, NaN) all get the bare "other" rank. A missing field is SQL
// NULL.

// sortKeyFunc is the name of the SQL function computing a sort key.
const sortKeyFunc = "sqlitedocstore_key"

// Type ranks, the first byte of every sort key.
const (
	rankNull byte = iota + 1
	rankBool
	rankNumber
	rankString
	rankBytes
	rankTime
	rankOther
)

func init() {
	// The function is deterministic, so SQLite may use it in indexes.
	sqlite.MustRegisterDeterministicScalarFunction(sortKeyFunc, 1, sqlSortKey)
}

// sqlSortKey implements sortKeyFunc: it maps a field's JSON text (from the
// -> operator) to its sort key, and NULL (a missing field) to NULL.
func sqlSortKey(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var text []byte
	switch a := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		text = []byte(a)
	case []byte:
		text = a
	default:
		return nil, newError(gcerrors.Internal, "%s: unexpected argument of type %T", sortKeyFunc, a)
	}
	v, err := parseFieldJSON(text)
	if err != nil {
		return nil, err
	}
	return sortKey(v), nil
}

// parseFieldJSON parses the wire text of one value, with fast paths for
// plain strings and integers.
func parseFieldJSON(b []byte) (any, error) {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' {
		plain := true
		for _, c := range b[1 : n-1] {
			if c == '\\' || c == '"' {
				plain = false
				break
			}
		}
		if plain {
			return string(b[1 : n-1]), nil
		}
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return i, nil
		}
	}
	return unmarshalWire(string(b))
}

// sortKey returns the sort key of an encoded value.
func sortKey(v any) []byte {
	switch v := v.(type) {
	case nil:
		return []byte{rankNull}
	case bool:
		if v {
			return []byte{rankBool, 1}
		}
		return []byte{rankBool, 0}
	case int64:
		return numberKey(v, true, 0)
	case float64:
		if math.IsNaN(v) {
			return []byte{rankOther}
		}
		return numberKey(0, false, v)
	case string:
		return append([]byte{rankString}, v...)
	case []byte:
		return append([]byte{rankBytes}, v...)
	case time.Time:
		b := make([]byte, 13)
		b[0] = rankTime
		binary.BigEndian.PutUint64(b[1:], uint64(v.Unix())^(1<<63))
		binary.BigEndian.PutUint32(b[9:], uint32(v.Nanosecond()))
		return b
	}
	return []byte{rankOther}
}

// numberKey encodes the exact value of an int64 (isInt) or a float64 so that
// int64 and float64 values compare by value: the nearest float64, then the
// integer's distance from it (0 for floats). Rounding is monotonic, so this
// orders exactly; the distance is at most 1024.
func numberKey(i int64, isInt bool, f float64) []byte {
	var rest int64
	if isInt {
		f = float64(i)
		var base uint64
		if f >= math.MaxInt64 { // 2^63, just above every int64
			base = 1 << 63
		} else {
			base = uint64(int64(f))
		}
		rest = int64(uint64(i) - base)
	}
	if f == 0 {
		f = 0 // -0 == 0
	}
	bits := math.Float64bits(f)
	if bits&(1<<63) != 0 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	b := make([]byte, 17)
	b[0] = rankNumber
	binary.BigEndian.PutUint64(b[1:], bits)
	binary.BigEndian.PutUint64(b[9:], uint64(rest)^(1<<63))
	return b
}

// filterable reports whether compareValues can compare v with some value,
// that is, whether a filter on v can match anything.
func filterable(v any) bool {
	k := sortKey(v)
	return k[0] != rankOther && k[0] != rankNull
}
