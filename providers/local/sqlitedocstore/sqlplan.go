package sqlitedocstore

import (
	"reflect"
	"strconv"
	"strings"

	"gocloud.dev/docstore/driver"
)

// This file translates a docstore query into SQL over sort keys (see
// sortkey.go). Whatever SQL cannot express exactly is left to Go: filters on
// field names that a JSON path cannot spell, and then the ordering, offset
// and limit too, since they must come after every filter.

// sqlQuery is a query translated to SQL.
type sqlQuery struct {
	table string
	where []string
	args  []any

	// goFilters are the filters evaluated in Go over the rows SQL returns.
	goFilters []filter
	// orderExpr is the sort key expression SQL orders by, "" if the query
	// is not ordered in SQL.
	orderExpr string
	// orderInGo is set when the query is ordered but SQL cannot order it.
	orderInGo bool
	asc       bool
	// withMissing is set when the query is ordered in SQL and documents
	// lacking the order field can match: they come after all others, in
	// a second statement.
	withMissing   bool
	offset, limit int
}

// inGo reports whether filtering beyond SQL's, and so ordering, offset and
// limit, happen in Go.
func (sq *sqlQuery) inGo() bool { return len(sq.goFilters) > 0 || sq.orderInGo }

// translate builds the SQL form of q.
func (c *collection) translate(q *driver.Query) (*sqlQuery, error) {
	fs, err := encodeFilters(q.Filters)
	if err != nil {
		return nil, err
	}
	sq := &sqlQuery{table: c.table, asc: q.OrderAscending, offset: q.Offset, limit: q.Limit}
	for i, f := range q.Filters {
		if cond, args, ok, err := c.keyCondition(f); err != nil {
			return nil, err
		} else if ok {
			sq.where, sq.args = append(sq.where, cond), append(sq.args, args...)
			continue
		}
		expr, ok := fieldExpr(f.FieldPath)
		if !ok {
			sq.goFilters = append(sq.goFilters, fs[i])
			continue
		}
		cond, args := filterSQL(expr, fs[i])
		sq.where, sq.args = append(sq.where, cond), append(sq.args, args...)
	}
	if q.OrderByField == "" {
		return sq, nil
	}
	expr, ok := fieldExpr(strings.Split(q.OrderByField, "."))
	if !ok || len(sq.goFilters) > 0 {
		sq.orderInGo = true
		return sq, nil
	}
	sq.orderExpr = expr
	// Every filter excludes documents lacking its field.
	sq.withMissing = true
	for _, f := range q.Filters {
		if driver.FieldPathEqualsField(f.FieldPath, q.OrderByField) {
			sq.withMissing = false
		}
	}
	return sq, nil
}

// keyCondition translates an equality or "in" filter on the key field with
// string values into a lookup on the key column. Only strings are looked up
// by key: their stored form is unique, whereas numbers such as 1 and 1.0
// compare equal but are stored differently.
func (c *collection) keyCondition(f driver.Filter) (cond string, args []any, ok bool, err error) {
	if c.keyField == "" || !driver.FieldPathEqualsField(f.FieldPath, c.keyField) {
		return "", nil, false, nil
	}
	var vals []any
	switch f.Op {
	case driver.EqualOp:
		vals = []any{f.Value}
	case "in":
		rv := reflect.ValueOf(f.Value)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return "", nil, false, nil
		}
		for i := range rv.Len() {
			vals = append(vals, rv.Index(i).Interface())
		}
	default:
		return "", nil, false, nil
	}
	keys := make([]any, 0, len(vals))
	for _, v := range vals {
		rv := reflect.ValueOf(v)
		if !rv.IsValid() || rv.Kind() != reflect.String {
			return "", nil, false, nil
		}
		k, err := encodeKey(rv.String())
		if err != nil {
			return "", nil, false, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "0", nil, true, nil // "in" an empty list matches nothing
	}
	return "key IN (?" + strings.Repeat(", ?", len(keys)-1) + ")", keys, true, nil
}

// fieldExpr returns the SQL expression computing the sort key of the field
// at fp, or false if a JSON path cannot name it: SQLite's quoted path
// labels cannot contain '"', and names needing JSON escapes would be
// compared in their escaped form.
func fieldExpr(fp []string) (string, bool) {
	var b strings.Builder
	b.WriteString(sortKeyFunc + "(doc -> '$")
	for _, name := range fp {
		k := escapeKey(name)
		for i := 0; i < len(k); i++ {
			if c := k[i]; c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
				return "", false
			}
		}
		b.WriteString(`."`)
		b.WriteString(strings.ReplaceAll(k, "'", "''"))
		b.WriteString(`"`)
	}
	b.WriteString("')")
	return b.String(), true
}

// filterSQL translates f into a condition on the sort key expression expr.
// Comparisons stay within the filter value's type, as compareValues does:
// the bounds of the type's rank are part of every range.
func filterSQL(expr string, f filter) (string, []any) {
	switch f.op {
	case "in", "not-in":
		var keys []any
		for _, v := range f.values {
			if filterable(v) {
				keys = append(keys, sortKey(v))
			}
		}
		list := ""
		if len(keys) > 0 {
			list = expr + " IN (?" + strings.Repeat(", ?", len(keys)-1) + ")"
		}
		switch {
		case f.op == "in" && list == "":
			return "0", nil
		case f.op == "in":
			return list, keys
		case list == "":
			return expr + " IS NOT NULL", nil
		default:
			return expr + " IS NOT NULL AND NOT " + list, keys
		}
	}
	if !filterable(f.value) {
		return "0", nil
	}
	k := sortKey(f.value)
	lo, hi := []byte{k[0]}, []byte{k[0] + 1} // the rank's bounds
	switch f.op {
	case driver.EqualOp:
		return expr + " = ?", []any{k}
	case ">":
		return expr + " > ? AND " + expr + " < ?", []any{k, hi}
	case ">=":
		return expr + " >= ? AND " + expr + " < ?", []any{k, hi}
	case "<":
		return expr + " < ? AND " + expr + " >= ?", []any{k, lo}
	default: // "<="
		return expr + " <= ? AND " + expr + " >= ?", []any{k, lo}
	}
}

// statements returns the SQL statements that run the query, with their
// arguments: one, or two when documents lacking the order field come last.
func (sq *sqlQuery) statements() (stmts []string, args [][]any) {
	where := func(extra ...string) string {
		conds := append(append([]string(nil), sq.where...), extra...)
		if len(conds) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(conds, " AND ")
	}
	sel := "SELECT doc FROM " + sq.table
	if sq.inGo() {
		return []string{sel + where()}, [][]any{sq.args}
	}
	limit := ""
	if sq.limit > 0 {
		limit = " LIMIT " + strconv.Itoa(sq.offset+sq.limit)
	}
	if sq.orderExpr == "" {
		return []string{sel + where() + limit}, [][]any{sq.args}
	}
	dir := " DESC"
	if sq.asc {
		dir = " ASC"
	}
	stmts = []string{sel + where(sq.orderExpr+" IS NOT NULL") + " ORDER BY " + sq.orderExpr + dir + ", key" + dir + limit}
	args = [][]any{sq.args}
	if sq.withMissing {
		stmts = append(stmts, sel+where(sq.orderExpr+" IS NULL")+" ORDER BY key"+limit)
		args = append(args, sq.args)
	}
	return stmts, args
}
