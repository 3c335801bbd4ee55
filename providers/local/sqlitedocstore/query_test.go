package sqlitedocstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSortDocs covers what the portable API cannot reach: documents missing
// the sort field, and values of different types.
func TestSortDocs(t *testing.T) {
	docs := []storedDoc{
		{"k": "missing"},
		{"k": "str", "v": "a"},
		{"k": "two", "v": int64(2)},
		{"k": "half", "v": 0.5},
		{"k": "true", "v": true},
		{"k": "null", "v": nil},
	}
	keys := func(ds []storedDoc) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d["k"].(string))
		}
		return out
	}
	asc := append([]storedDoc(nil), docs...)
	sortDocs(asc, []string{"v"}, true)
	if diff := cmp.Diff([]string{"null", "true", "half", "two", "str", "missing"}, keys(asc)); diff != "" {
		t.Errorf("ascending (-want +got):\n%s", diff)
	}
	desc := append([]storedDoc(nil), docs...)
	sortDocs(desc, []string{"v"}, false)
	if diff := cmp.Diff([]string{"str", "two", "half", "true", "null", "missing"}, keys(desc)); diff != "" {
		t.Errorf("descending (-want +got):\n%s", diff)
	}
}
