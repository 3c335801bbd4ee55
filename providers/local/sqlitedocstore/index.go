package sqlitedocstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

// Index is a declared secondary index of a collection: queries that filter
// with "=" on Partition, and filter on or order by Sort (if set), are
// served by it. It mirrors the faas SDK's sdk.Index.
type Index struct {
	// Name names the index. Default: "by_<Partition>[_<Sort>]".
	Name string
	// Partition is the field that queries compare with "=". Required.
	Partition string
	// Sort, if set, is the field that queries filter by range on and order by.
	Sort string
}

// name returns ix.Name or its default.
func (ix Index) name() string {
	if ix.Name != "" {
		return ix.Name
	}
	n := "by_" + ix.Partition
	if ix.Sort != "" {
		n += "_" + ix.Sort
	}
	return n
}

// String describes the index as a declaration in the faas SDK.
func (ix Index) String() string {
	if ix.Sort == "" {
		return fmt.Sprintf("sdk.Index{Partition: %q}", ix.Partition)
	}
	return fmt.Sprintf("sdk.Index{Partition: %q, Sort: %q}", ix.Partition, ix.Sort)
}

// indexPrefix starts the SQLite name of each declared index of a
// collection; it keeps the indexes of different collections apart.
func indexPrefix(coll string) string { return coll + "/" }

// indexSQL returns the statement creating ix on the collection's table: an
// expression index on the sort keys of its fields and the key (so that
// ordered pages need no sort), partial on the partition field being
// present.
func (c *collection) indexSQL(ix Index) (string, error) {
	part, ok := fieldExpr(strings.Split(ix.Partition, "."))
	if !ok {
		return "", newError(gcerrors.InvalidArgument, "index %q of %q: field %q cannot be indexed", ix.name(), c.name, ix.Partition)
	}
	cols := []string{part}
	if ix.Sort != "" {
		sort, ok := fieldExpr(strings.Split(ix.Sort, "."))
		if !ok {
			return "", newError(gcerrors.InvalidArgument, "index %q of %q: field %q cannot be indexed", ix.name(), c.name, ix.Sort)
		}
		cols = append(cols, sort)
	}
	cols = append(cols, "key")
	return "CREATE INDEX " + quoteIdent(indexPrefix(c.name)+ix.name()) + " ON " + c.table +
		" (" + strings.Join(cols, ", ") + ") WHERE " + part + " IS NOT NULL", nil
}

// expiryIndex names the index on the expiry field; declared index names
// cannot start with "$".
const expiryIndex = "$expiry"

// deleteExpired deletes the documents whose expiry field holds a time
// before now.
func (c *collection) deleteExpired(ctx context.Context, tx *writeTx, now time.Time) error {
	if c.expiryField == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, c.expiredSQL(), []byte{rankTime}, sortKey(now))
	if err != nil {
		return wrapError(err, "delete expired documents of %q", c.name)
	}
	return nil
}

// expiredSQL is the statement deleting the documents whose expiry field
// holds a time (sort key at least its first argument) before its second
// argument.
func (c *collection) expiredSQL() string {
	expr, _ := fieldExpr(strings.Split(c.expiryField, ".")) // checked by syncIndexes
	return "DELETE FROM " + c.table + " WHERE " + expr + " >= ? AND " + expr + " < ?"
}

// syncIndexes makes the table's indexes those declared: it creates the
// missing ones, recreates those whose definition changed and drops those
// no longer declared, unless the opener declared no index and no expiry
// field. It is idempotent.
func (c *collection) syncIndexes(ctx context.Context, tx *writeTx) error {
	want := map[string]string{}
	for _, ix := range c.indexes {
		if ix.Partition == "" {
			return newError(gcerrors.InvalidArgument, "index %q of %q: empty Partition", ix.name(), c.name)
		}
		if strings.HasPrefix(ix.name(), "$") {
			return newError(gcerrors.InvalidArgument, "index %q of %q: names starting with '$' are reserved", ix.name(), c.name)
		}
		if _, dup := want[ix.name()]; dup {
			return newError(gcerrors.InvalidArgument, "index %q of %q declared twice", ix.name(), c.name)
		}
		stmt, err := c.indexSQL(ix)
		if err != nil {
			return err
		}
		want[ix.name()] = stmt
	}
	if c.expiryField != "" {
		expr, ok := fieldExpr(strings.Split(c.expiryField, "."))
		if !ok {
			return newError(gcerrors.InvalidArgument, "expiry field %q of %q cannot be indexed", c.expiryField, c.name)
		}
		want[expiryIndex] = "CREATE INDEX " + quoteIdent(indexPrefix(c.name)+expiryIndex) + " ON " + c.table +
			" (" + expr + ") WHERE " + expr + " IS NOT NULL"
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL`, c.name)
	if err != nil {
		return wrapError(err, "list indexes of %q", c.name)
	}
	have := map[string]string{}
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			_ = rows.Close()
			return wrapError(err, "list indexes of %q", c.name)
		}
		if n, ok := strings.CutPrefix(name, indexPrefix(c.name)); ok {
			have[n] = stmt
		}
	}
	if err := rows.Close(); err != nil {
		return wrapError(err, "list indexes of %q", c.name)
	}
	for n, stmt := range have {
		// An opener declaring nothing (a tool, a URL) leaves indexes be.
		if want[n] == stmt || len(want) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+quoteIdent(indexPrefix(c.name)+n)); err != nil {
			return wrapError(err, "drop index %q of %q", n, c.name)
		}
	}
	for n, stmt := range want {
		if have[n] == stmt {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return wrapError(err, "create index %q of %q", n, c.name)
		}
	}
	return nil
}

// servingIndex returns the name of the declared index serving q, or "key"
// for a lookup by key, and whether there is one. An index serves q when q
// filters with "=" on its Partition and every other field q filters on or
// orders by is its Sort.
func (c *collection) servingIndex(q *driver.Query) (string, bool) {
	for _, f := range q.Filters {
		if c.keyField != "" && driver.FieldPathEqualsField(f.FieldPath, c.keyField) && (f.Op == driver.EqualOp || f.Op == "in") {
			return "key", true
		}
	}
	for _, ix := range c.indexes {
		if c.serves(ix, q) {
			return ix.name(), true
		}
	}
	return "", false
}

func (c *collection) serves(ix Index, q *driver.Query) bool {
	eq := false
	for _, f := range q.Filters {
		field := strings.Join(f.FieldPath, ".")
		switch {
		case field == ix.Partition && f.Op == driver.EqualOp:
			eq = true
		case field == ix.Partition, field != ix.Sort || ix.Sort == "":
			return false
		}
	}
	return eq && (q.OrderByField == "" || q.OrderByField == ix.Sort)
}

// checkServed fails if indexes are required and no declared index serves q,
// naming the index to declare.
func (c *collection) checkServed(q *driver.Query) error {
	if !c.requireIndex {
		return nil
	}
	if _, ok := c.servingIndex(q); ok {
		return nil
	}
	var fields, eqFields []string
	for _, f := range q.Filters {
		field := strings.Join(f.FieldPath, ".")
		// docstore requires a filter on the order field; leave it out.
		if field != q.OrderByField && !slices.Contains(fields, field) {
			fields = append(fields, field)
		}
		if f.Op == driver.EqualOp && !slices.Contains(eqFields, field) {
			eqFields = append(eqFields, field)
		}
	}
	var does []string
	if len(fields) > 0 {
		does = append(does, "filters on "+strings.Join(fields, ", "))
	}
	if q.OrderByField != "" {
		does = append(does, "orders by "+q.OrderByField)
	}
	what := strings.Join(does, " and ")
	if what == "" {
		what = "reads every document"
	}
	msg := fmt.Sprintf("query on %q %s, which no declared index serves", c.name, what)
	if len(eqFields) == 0 {
		return newError(gcerrors.FailedPrecondition, "%s: an index query needs an equality (=) filter on the index's Partition field (Options.AllowScans permits scans)", msg)
	}
	ix := Index{Partition: eqFields[0], Sort: q.OrderByField}
	if ix.Partition == ix.Sort {
		ix.Sort = ""
	}
	var rest []string
	for _, f := range fields {
		switch {
		case f == ix.Partition:
		case ix.Sort == "":
			ix.Sort = f
		case f != ix.Sort:
			rest = append(rest, f)
		}
	}
	msg = fmt.Sprintf("%s: declare %s", msg, ix)
	if len(rest) > 0 {
		msg += fmt.Sprintf(" and filter on %s in code", strings.Join(rest, ", "))
	}
	return newError(gcerrors.FailedPrecondition, "%s", msg)
}
