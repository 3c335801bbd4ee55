package sqlitedocstore

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

// This file evaluates filters and ordering in Go, over decoded documents:
// the reference semantics that the SQL translation (sqlplan.go) reproduces,
// and the fallback for what SQL cannot express.

// filter is a driver.Filter whose value has been encoded like stored values.
type filter struct {
	fp     []string
	op     string
	value  any   // for comparison operators
	values []any // for "in" and "not-in"
}

func encodeFilters(fs []driver.Filter) ([]filter, error) {
	out := make([]filter, len(fs))
	for i, f := range fs {
		out[i] = filter{fp: f.FieldPath, op: f.Op}
		switch f.Op {
		case "in", "not-in":
			rv := reflect.ValueOf(f.Value)
			if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
				return nil, newError(gcerrors.InvalidArgument, "value of %q filter must be a slice or array, not %T", f.Op, f.Value)
			}
			for j := range rv.Len() {
				v, err := encodeValue(rv.Index(j).Interface())
				if err != nil {
					return nil, err
				}
				out[i].values = append(out[i].values, v)
			}
		case driver.EqualOp, ">", ">=", "<", "<=":
			v, err := encodeValue(f.Value)
			if err != nil {
				return nil, err
			}
			out[i].value = v
		default:
			return nil, newError(gcerrors.InvalidArgument, "unsupported filter operator %q", f.Op)
		}
	}
	return out, nil
}

func filtersMatch(fs []filter, doc storedDoc) bool {
	for _, f := range fs {
		if !f.matches(doc) {
			return false
		}
	}
	return true
}

// matches reports whether doc satisfies f. A document without the field
// never matches, whatever the operator.
func (f filter) matches(doc storedDoc) bool {
	v, ok := getAtFieldPath(doc, f.fp)
	if !ok {
		return false
	}
	switch f.op {
	case "in", "not-in":
		in := slices.ContainsFunc(f.values, func(x any) bool {
			c, ok := compareValues(v, x)
			return ok && c == 0
		})
		return in == (f.op == "in")
	}
	c, ok := compareValues(v, f.value)
	if !ok {
		return false
	}
	switch f.op {
	case driver.EqualOp:
		return c == 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	default: // "<="
		return c <= 0
	}
}

// compareValues compares two encoded values of compatible types: numbers
// (int64 and float64, compared exactly), strings, booleans (false < true),
// byte slices and times. It reports false if they cannot be compared.
func compareValues(a, b any) (int, bool) {
	switch a := a.(type) {
	case int64, float64:
		switch b.(type) {
		case int64, float64:
			if isNaN(a) || isNaN(b) {
				return 0, false // NaN equals nothing and has no order
			}
			c, err := driver.CompareNumbers(reflect.ValueOf(a), reflect.ValueOf(b))
			return c, err == nil
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b), true
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0, true
			case b:
				return -1, true
			default:
				return 1, true
			}
		}
	case []byte:
		if b, ok := b.([]byte); ok {
			return bytes.Compare(a, b), true
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return driver.CompareTimes(a, b), true
		}
	}
	return 0, false
}

func isNaN(v any) bool {
	f, ok := v.(float64)
	return ok && math.IsNaN(f)
}

// typeRank orders values of different types for sorting.
func typeRank(v any) int {
	switch v := v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64:
		return 2
	case float64:
		if math.IsNaN(v) {
			return 6 // with the values that have no order
		}
		return 2
	case string:
		return 3
	case []byte:
		return 4
	case time.Time:
		return 5
	}
	return 6 // lists and maps: not ordered among themselves
}

// sortDocs sorts docs stably by the value at fp. Documents without the field
// come last in either direction; values of different types are ordered by
// type (null, bool, number, string, bytes, time, other).
func sortDocs(docs []storedDoc, fp []string, asc bool) {
	slices.SortStableFunc(docs, func(x, y storedDoc) int {
		vx, okx := getAtFieldPath(x, fp)
		vy, oky := getAtFieldPath(y, fp)
		if !okx || !oky {
			return boolCmp(!okx, !oky) // missing sorts last
		}
		c := typeRank(vx) - typeRank(vy)
		if c == 0 {
			c, _ = compareValues(vx, vy)
		}
		if !asc {
			c = -c
		}
		return c
	})
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}
