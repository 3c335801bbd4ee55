package sqlitedocstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/docstore/driver"
	"gocloud.dev/gcerrors"
)

// RunGetQuery implements driver.Collection.RunGetQuery. Filters, ordering,
// offset and limit run in SQL (see sqlplan.go), so only the returned page
// is read and decoded; what SQL cannot express runs in Go over the rows
// that match the rest. The results are a consistent snapshot.
func (c *collection) RunGetQuery(ctx context.Context, q *driver.Query) (driver.DocumentIterator, error) {
	if err := c.checkServed(q); err != nil {
		return nil, err
	}
	sq, err := c.translate(q)
	if err != nil {
		return nil, err
	}
	if q.BeforeQuery != nil {
		if err := q.BeforeQuery(c.asFunc()); err != nil {
			return nil, err
		}
	}
	// Queries that select fields always return the key field too.
	fps := q.FieldPaths
	if len(fps) > 0 && c.keyField != "" {
		fps = append([][]string{{c.keyField}}, fps...)
	}
	it := &docIterator{coll: c.name, plans: &c.plans, fieldPaths: fps}
	if sq.inGo() {
		docs, err := c.selectInGo(ctx, sq, q)
		if err != nil {
			return nil, err
		}
		it.decoded = docs
		return it, nil
	}
	if it.raw, err = c.selectPage(ctx, sq); err != nil {
		return nil, err
	}
	return it, nil
}

// selectPage runs a query whose filters, order and limit are all in SQL and
// returns the raw documents of the page.
func (c *collection) selectPage(ctx context.Context, sq *sqlQuery) ([]string, error) {
	stmts, args := sq.statements()
	var src interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = c.db.stmts
	if len(stmts) > 1 {
		// One read transaction, so both statements see the same snapshot.
		tx, err := c.db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, wrapError(err, "query %q", c.name)
		}
		defer func() { _ = tx.Rollback() }()
		src = txQueryer{c.db.stmts, tx}
	}
	var docs []string
	skip := sq.offset
	full := func() bool { return sq.limit > 0 && len(docs) >= sq.limit }
	for i, stmt := range stmts {
		if full() {
			break
		}
		err := func() error {
			rows, err := src.QueryContext(ctx, stmt, args[i]...)
			if err != nil {
				return wrapError(err, "query %q", c.name)
			}
			defer rows.Close()
			for !full() && rows.Next() {
				if skip > 0 {
					skip--
					continue
				}
				var b string
				if err := rows.Scan(&b); err != nil {
					return wrapError(err, "query %q", c.name)
				}
				docs = append(docs, b)
			}
			if err := rows.Err(); err != nil {
				return wrapError(err, "query %q", c.name)
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// selectInGo runs a query that SQL can only partly evaluate: it reads every
// row matching the SQL conditions, then filters, sorts, offsets and limits
// them in Go.
func (c *collection) selectInGo(ctx context.Context, sq *sqlQuery, q *driver.Query) ([]storedDoc, error) {
	stmts, args := sq.statements()
	rows, err := c.db.stmts.QueryContext(ctx, stmts[0], args[0]...)
	if err != nil {
		return nil, wrapError(err, "query %q", c.name)
	}
	defer rows.Close()
	var docs []storedDoc
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, wrapError(err, "query %q", c.name)
		}
		doc, err := parseDoc(c.name, b)
		if err != nil {
			return nil, err
		}
		if filtersMatch(sq.goFilters, doc) {
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
	return docs, nil
}

// parseDoc decodes a stored document of collection coll.
func parseDoc(coll string, b string) (storedDoc, error) {
	v, err := unmarshalWire(b)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, newError(gcerrors.Internal, "stored document in %q is a %T, not a map", coll, v)
	}
	return doc, nil
}

// decodeStored decodes the stored document b of collection coll into ddoc:
// straight from the wire form when plans can, else through parseDoc and
// decodeDoc. If fps is non-empty, only those field paths are decoded.
func decodeStored(plans *structPlans, coll string, b string, ddoc driver.Document, fps [][]string) error {
	if len(fps) == 0 && plans != nil && plans.decodeWire(b, ddoc) {
		return nil
	}
	m, err := parseDoc(coll, b)
	if err != nil {
		return err
	}
	return decodeDoc(plans, m, ddoc, fps)
}

// docIterator iterates over the results of a query, already in memory:
// raw documents, decoded one at a time, or documents decoded to be filtered
// in Go.
type docIterator struct {
	coll       string
	plans      *structPlans
	raw        []string
	decoded    []storedDoc
	fieldPaths [][]string
	err        error
}

// Next implements driver.DocumentIterator.Next.
func (it *docIterator) Next(ctx context.Context, doc driver.Document) error {
	if it.err != nil {
		return it.err
	}
	var m storedDoc
	switch {
	case len(it.raw) > 0:
		raw := it.raw[0]
		it.raw = it.raw[1:]
		if err := decodeStored(it.plans, it.coll, raw, doc, it.fieldPaths); err != nil {
			it.err = err
			return err
		}
		return nil
	case len(it.decoded) > 0:
		m = it.decoded[0]
		it.decoded = it.decoded[1:]
	default:
		it.err = io.EOF
		return it.err
	}
	if err := decodeDoc(it.plans, m, doc, it.fieldPaths); err != nil {
		it.err = err
		return err
	}
	return nil
}

// Stop implements driver.DocumentIterator.Stop.
func (it *docIterator) Stop() {
	it.raw, it.decoded = nil, nil
	it.err = io.EOF
}

// As implements driver.DocumentIterator.As. It always returns false.
func (it *docIterator) As(any) bool { return false }

// QueryPlan implements driver.Collection.QueryPlan. It returns the SQL
// statements the query runs, the declared index expected to serve it, and
// what runs in Go.
func (c *collection) QueryPlan(q *driver.Query) (string, error) {
	sq, err := c.translate(q)
	if err != nil {
		return "", err
	}
	stmts, _ := sq.statements()
	var b strings.Builder
	b.WriteString(strings.Join(stmts, "; then "))
	if ix, ok := c.servingIndex(q); ok {
		fmt.Fprintf(&b, " (index %s)", ix)
	} else {
		b.WriteString(" (no declared index serves this query)")
	}
	if !sq.inGo() {
		return b.String(), nil
	}
	var steps []string
	if len(sq.goFilters) > 0 {
		var fs []string
		for _, f := range sq.goFilters {
			fs = append(fs, fmt.Sprintf("%s %s", strings.Join(f.fp, "."), f.op))
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
	b.WriteString("; then in Go: " + strings.Join(steps, ", "))
	return b.String(), nil
}
