package sqlitedocstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

// RunGetQuery implements driver.Collection.RunGetQuery. It reads the
// matching rows in a single SQL statement (so the results are a consistent
// snapshot), then filters, sorts, offsets and limits them in Go.
func (c *collection) RunGetQuery(ctx context.Context, q *driver.Query) (driver.DocumentIterator, error) {
	filters, err := encodeFilters(q.Filters)
	if err != nil {
		return nil, err
	}
	where, args, err := c.pushDown(q.Filters)
	if err != nil {
		return nil, err
	}
	if q.BeforeQuery != nil {
		if err := q.BeforeQuery(c.asFunc()); err != nil {
			return nil, err
		}
	}
	rows, err := c.db.db.QueryContext(ctx, `SELECT key, doc FROM `+c.table+where+` ORDER BY key`, args...)
	if err != nil {
		return nil, wrapError(err, "query %q", c.name)
	}
	defer rows.Close()
	var docs []storedDoc
	for rows.Next() {
		var k string
		var b []byte
		if err := rows.Scan(&k, &b); err != nil {
			return nil, wrapError(err, "query %q", c.name)
		}
		v, err := unmarshalWire(b)
		if err != nil {
			return nil, err
		}
		doc, ok := v.(map[string]any)
		if !ok {
			return nil, newError(gcerrors.Internal, "stored document %s in %q is a %T, not a map", k, c.name, v)
		}
		if filtersMatch(filters, doc) {
			docs = append(docs, doc)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapError(err, "query %q", c.name)
	}

	if q.OrderByField != "" {
		sortDocs(docs, strings.Split(q.OrderByField, "."), q.OrderAscending)
	}
	if q.Offset > 0 {
		docs = docs[min(q.Offset, len(docs)):]
	}
	if q.Limit > 0 && len(docs) > q.Limit {
		docs = docs[:q.Limit]
	}

	// Queries that select fields always return the key field too.
	fps := q.FieldPaths
	if len(fps) > 0 && c.keyField != "" {
		fps = append([][]string{{c.keyField}}, fps...)
	}
	return &docIterator{docs: docs, fieldPaths: fps}, nil
}

// pushDown translates the filters that can be evaluated on the key column (an
// equality or "in" on the key field with string values) into an SQL WHERE
// clause. The filters are evaluated in Go as well.
func (c *collection) pushDown(filters []driver.Filter) (where string, args []any, err error) {
	if c.keyField == "" {
		return "", nil, nil
	}
	for _, f := range filters {
		if !driver.FieldPathEqualsField(f.FieldPath, c.keyField) {
			continue
		}
		var vals []any
		switch f.Op {
		case driver.EqualOp:
			vals = []any{f.Value}
		case "in":
			rv := reflect.ValueOf(f.Value)
			if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
				continue
			}
			for i := range rv.Len() {
				vals = append(vals, rv.Index(i).Interface())
			}
		default:
			continue
		}
		// Only strings are pushed down: their stored form is unique, whereas
		// numbers such as 1 and 1.0 compare equal but are stored differently.
		keys := make([]any, 0, len(vals))
		for _, v := range vals {
			rv := reflect.ValueOf(v)
			if !rv.IsValid() || rv.Kind() != reflect.String {
				keys = nil
				break
			}
			k, err := encodeKey(rv.String())
			if err != nil {
				return "", nil, err
			}
			keys = append(keys, k)
		}
		if keys == nil {
			continue
		}
		if len(keys) == 0 {
			return " WHERE 0", nil, nil // "in" an empty list matches nothing
		}
		return " WHERE key IN (?" + strings.Repeat(", ?", len(keys)-1) + ")", keys, nil
	}
	return "", nil, nil
}

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

// typeRank orders values of different types for sorting.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64, float64:
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

// docIterator iterates over the results of a query, already in memory.
type docIterator struct {
	docs       []storedDoc
	fieldPaths [][]string
	err        error
}

// Next implements driver.DocumentIterator.Next.
func (it *docIterator) Next(ctx context.Context, doc driver.Document) error {
	if it.err != nil {
		return it.err
	}
	if len(it.docs) == 0 {
		it.err = io.EOF
		return it.err
	}
	if err := decodeDoc(it.docs[0], doc, it.fieldPaths); err != nil {
		it.err = err
		return err
	}
	it.docs = it.docs[1:]
	return nil
}

// Stop implements driver.DocumentIterator.Stop.
func (it *docIterator) Stop() {
	it.docs = nil
	it.err = io.EOF
}

// As implements driver.DocumentIterator.As. It always returns false.
func (it *docIterator) As(any) bool { return false }

// QueryPlan implements driver.Collection.QueryPlan.
func (c *collection) QueryPlan(q *driver.Query) (string, error) {
	where, _, err := c.pushDown(q.Filters)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT key, doc FROM %s%s ORDER BY key", c.table, where)
	if where == "" {
		b.WriteString(" (table scan)")
	}
	var steps []string
	if len(q.Filters) > 0 {
		var fs []string
		for _, f := range q.Filters {
			fs = append(fs, fmt.Sprintf("%s %s %v", strings.Join(f.FieldPath, "."), f.Op, f.Value))
		}
		steps = append(steps, "filter "+strings.Join(fs, " AND "))
	}
	if q.OrderByField != "" {
		dir := "descending"
		if q.OrderAscending {
			dir = "ascending"
		}
		steps = append(steps, fmt.Sprintf("sort by %s %s", q.OrderByField, dir))
	}
	if q.Offset > 0 {
		steps = append(steps, fmt.Sprintf("skip %d", q.Offset))
	}
	if q.Limit > 0 {
		steps = append(steps, fmt.Sprintf("limit %d", q.Limit))
	}
	if len(steps) > 0 {
		b.WriteString("; then in Go: " + strings.Join(steps, ", "))
	}
	return b.String(), nil
}
