package sqlitedocstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocloud.dev/docstore"
	"gocloud.dev/docstore/driver"
)

// sqlTestValues are stored values of every type, with the edge cases of
// the sort key: int64 values that float64 cannot represent, -0, infinities,
// NaN, strings that look like tagged values or are not UTF-8, times in
// different zones at the same instant, lists and maps.
func sqlTestValues() []any {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return []any{
		nil, true, false,
		int64(0), int64(1), int64(-1), int64(2), 1.0, 0.5, math.Copysign(0, -1), -2.5,
		math.Inf(1), math.Inf(-1), math.NaN(),
		int64(1 << 53), int64(1<<53 + 1), float64(1 << 53), int64(math.MaxInt64), int64(math.MaxInt64 - 1),
		float64(math.MaxInt64), int64(math.MinInt64), float64(math.MinInt64), 1e300,
		"", "a", "ab", "b", "é", "a\x00b", "\xff", `{"$t":"2025-06-01T12:00:00Z"}`, `quote"d`, `back\slash`,
		[]byte{}, []byte{0}, []byte{1, 2},
		t0, t0.Add(time.Nanosecond), t0.In(time.FixedZone("E", 3600)), t0.Add(-time.Hour), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1900, 1, 1, 0, 0, 0, 5, time.UTC),
		[]any{int64(1)}, map[string]any{"a": int64(1)},
	}
}

// TestSQLMatchesGo runs filters of every operator, on every kind of value,
// through SQL and through the Go reference (filtersMatch, sortDocs), and
// checks that they agree, including order, offset and limit. Field names
// that a JSON path cannot spell take the Go path through the driver, and
// must agree too.
func TestSQLMatchesGo(t *testing.T) {
	ctx := context.Background()
	c, err := newCollection(ctx, filepath.Join(t.TempDir(), "db.sqlite"), "docs", "id", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	coll := docstore.NewCollection(c)
	defer coll.Close()
	vals := sqlTestValues()
	fields := []string{"v", "n.v", "$v", `q"v`}
	al := coll.Actions()
	for i, v := range vals {
		al.Put(map[string]any{"id": fmt.Sprintf("d%02d", i), "v": v, "n": map[string]any{"v": v}, "$v": v, `q"v`: v})
	}
	al.Put(map[string]any{"id": "missing", "n": int64(1)})
	al.Put(map[string]any{"id": "list", "n": []any{map[string]any{"v": int64(1)}}})
	if err := al.Do(ctx); err != nil {
		t.Fatal(err)
	}
	var all []storedDoc
	rows, err := c.db.db.Query(`SELECT doc FROM docs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		d, err := parseDoc("docs", string(b))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, d)
	}
	rows.Close()

	reference := func(q *driver.Query) []storedDoc {
		fs, err := encodeFilters(q.Filters)
		if err != nil {
			t.Fatal(err)
		}
		var out []storedDoc
		for _, d := range all {
			if filtersMatch(fs, d) {
				out = append(out, d)
			}
		}
		if q.OrderByField != "" {
			sortDocs(out, strings.Split(q.OrderByField, "."), q.OrderAscending)
		}
		out = out[min(q.Offset, len(out)):]
		if q.Limit > 0 && len(out) > q.Limit {
			out = out[:q.Limit]
		}
		return out
	}
	run := func(q *driver.Query) []storedDoc {
		it, err := c.RunGetQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Stop()
		var out []storedDoc
		for {
			m := map[string]any{}
			doc, _ := driver.NewDocument(m)
			err := it.Next(ctx, doc)
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	ids := func(ds []storedDoc) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d["id"].(string))
		}
		slices.Sort(out)
		return out
	}
	// keys lists the sort keys of the ordered field, which ties may
	// permute the documents of but not change.
	keys := func(ds []storedDoc, fp []string) []string {
		var out []string
		for _, d := range ds {
			v, ok := getAtFieldPath(d, fp)
			if !ok {
				out = append(out, "missing")
				continue
			}
			out = append(out, fmt.Sprintf("%x", sortKey(v)))
		}
		return out
	}
	var filterVals []any
	for _, v := range vals {
		if filterable(v) {
			filterVals = append(filterVals, v)
		}
	}
	checked := 0
	check := func(q *driver.Query) {
		t.Helper()
		got, want := run(q), reference(q)
		desc := fmt.Sprintf("%v order %q asc=%v offset %d limit %d", q.Filters, q.OrderByField, q.OrderAscending, q.Offset, q.Limit)
		if q.OrderByField == "" || (q.Limit == 0 && q.Offset == 0) {
			if g, w := ids(got), ids(want); !slices.Equal(g, w) {
				t.Errorf("%s: got %v, want %v", desc, g, w)
			}
		}
		if q.OrderByField != "" {
			fp := strings.Split(q.OrderByField, ".")
			if g, w := keys(got, fp), keys(want, fp); !slices.Equal(g, w) {
				t.Errorf("%s: got order %v, want %v", desc, g, w)
			}
		}
		checked++
	}
	for _, field := range fields {
		fp := strings.Split(field, ".")
		if field == `q"v` || field == "$v" {
			fp = []string{field}
		}
		for _, v := range filterVals {
			for _, op := range []string{"=", "<", "<=", ">", ">="} {
				check(&driver.Query{Filters: []driver.Filter{{FieldPath: fp, Op: op, Value: v}}})
			}
		}
		for i := 0; i+3 <= len(filterVals); i += 3 {
			set := filterVals[i : i+3]
			check(&driver.Query{Filters: []driver.Filter{{FieldPath: fp, Op: "in", Value: set}}})
			check(&driver.Query{Filters: []driver.Filter{{FieldPath: fp, Op: "not-in", Value: set}}})
		}
		check(&driver.Query{Filters: []driver.Filter{{FieldPath: fp, Op: "in", Value: []any{}}}})
		check(&driver.Query{Filters: []driver.Filter{{FieldPath: fp, Op: "not-in", Value: []any{}}}})
		// Ordered, with and without a filter on the order field (the
		// portable API requires one; the driver does not), paged.
		for _, asc := range []bool{true, false} {
			for _, page := range [][2]int{{0, 0}, {0, 5}, {3, 4}, {40, 10}} {
				for _, fs := range [][]driver.Filter{nil, {{FieldPath: fp, Op: "not-in", Value: []any{}}}, {{FieldPath: fp, Op: ">", Value: int64(0)}}} {
					check(&driver.Query{Filters: fs, OrderByField: strings.Join(fp, "."), OrderAscending: asc, Offset: page[0], Limit: page[1]})
				}
			}
		}
	}
	// Two filters, one of which cannot be said in SQL.
	check(&driver.Query{Filters: []driver.Filter{{FieldPath: []string{"v"}, Op: ">=", Value: int64(0)}, {FieldPath: []string{`q"v`}, Op: "<", Value: 1e300}}, OrderByField: "v", OrderAscending: true, Limit: 3})
	t.Logf("%d queries agree", checked)
}

// TestSortKeyOrder checks the sort key against compareValues on every pair
// of comparable values: same type, same order.
func TestSortKeyOrder(t *testing.T) {
	vals := sqlTestValues()
	for _, a := range vals {
		for _, b := range vals {
			want, ok := compareValues(a, b)
			if !ok {
				continue
			}
			if got := bytes.Compare(sortKey(a), sortKey(b)); got != want {
				t.Errorf("sortKey(%#v) vs sortKey(%#v): %d, compareValues says %d", a, b, got, want)
			}
		}
	}
}
