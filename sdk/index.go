package sdk

import (
	"fmt"
	"slices"
)

// Index is a secondary index of a collection: the portable subset that
// DynamoDB (a global secondary index), Firestore (a composite index),
// MongoDB (a compound index) and the local SQLite store (an expression
// index) all serve. A query is served by an index when it filters with
// equality on Partition and, if it filters on or orders by another field,
// that field is Sort.
//
// Like a DynamoDB GSI, an index holds only the documents that have its
// fields: a field set only on some documents (a deletion time, say) makes
// a sparse index that lists just those.
type Index struct {
	// Name names the index on every backend. Default: "by_<partition>[_<sort>]".
	Name string `json:"name"`
	// Partition is the field every query on this index compares with "=".
	Partition string `json:"partition"`
	// Sort, if set, is the field queries on this index filter by range
	// and order by.
	Sort string `json:"sort,omitempty"`
}

// IndexName returns ix.Name, or the default name derived from its fields.
func (ix Index) IndexName() string {
	if ix.Name != "" {
		return ix.Name
	}
	n := "by_" + ix.Partition
	if ix.Sort != "" {
		n += "_" + ix.Sort
	}
	return n
}

// CollectionSpec is what a backend needs to know of a declared collection:
// its name, its primary key field, its secondary indexes and its expiry
// field. Binders receive it when they open the collection; deployers read
// the same data from the manifest (ResourceManifest.CollectionSpec).
type CollectionSpec struct {
	Name        string
	KeyField    string
	Indexes     []Index
	ExpiryField string
}

func (s *CollectionSpec) clone() CollectionSpec {
	c := *s
	c.Indexes = append([]Index(nil), s.Indexes...)
	return c
}

// IndexFor returns the declared index that serves a query filtering with
// equality on eq, and filtering by range on or ordering by rangeField (""
// for none), and whether there is one. A query on the key field alone
// needs no index.
func (s *CollectionSpec) IndexFor(eq, rangeField string) (Index, bool) {
	for _, ix := range s.Indexes {
		if ix.Partition == eq && (rangeField == "" || rangeField == ix.Sort) {
			return ix, true
		}
	}
	return Index{}, false
}

// check lists the problems of a declaration.
func (s *CollectionSpec) check() []string {
	var probs []string
	if !validField(s.KeyField) {
		probs = append(probs, fmt.Sprintf("key field %q: want letters, digits and '_', starting with a letter", s.KeyField))
	}
	if s.ExpiryField != "" && !validField(s.ExpiryField) {
		probs = append(probs, fmt.Sprintf("expiry field %q: want letters, digits and '_', starting with a letter", s.ExpiryField))
	}
	var names []string
	for i, ix := range s.Indexes {
		switch {
		case ix.Partition == "":
			probs = append(probs, fmt.Sprintf("index %d: Partition is required", i))
			continue
		case !validField(ix.Partition) || (ix.Sort != "" && !validField(ix.Sort)):
			probs = append(probs, fmt.Sprintf("index %q: fields must be letters, digits and '_', starting with a letter", ix.IndexName()))
			continue
		case ix.Partition == ix.Sort:
			probs = append(probs, fmt.Sprintf("index %q: Partition and Sort are the same field", ix.IndexName()))
		}
		n := ix.IndexName()
		if !validField(n) {
			probs = append(probs, fmt.Sprintf("index %q: name must be letters, digits and '_', starting with a letter", n))
		}
		if slices.Contains(names, n) {
			probs = append(probs, fmt.Sprintf("index %q: declared twice", n))
		}
		names = append(names, n)
	}
	return probs
}

// validField reports whether f is a plain top-level field name that every
// backend accepts in a key schema or index: [A-Za-z][A-Za-z0-9_]{0,63}.
func validField(f string) bool {
	if f == "" || len(f) > 64 {
		return false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case (c >= '0' && c <= '9') || c == '_':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
