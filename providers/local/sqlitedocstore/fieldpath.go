package sqlitedocstore

import (
	"strings"

	"gocloud.dev/gcerrors"
)

// getAtFieldPath returns the value of m at the field path fp, following maps
// only. It reports false if some component is missing or not a map.
func getAtFieldPath(m map[string]any, fp []string) (any, bool) {
	var cur any = m
	for _, k := range fp {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setAtFieldPath sets m's value at fp to val, creating intermediate maps as
// needed. It fails if a non-final component of fp holds a non-map value.
func setAtFieldPath(m map[string]any, fp []string, val any) error {
	parent, err := parentMap(m, fp, true)
	if err != nil {
		return err
	}
	parent[fp[len(fp)-1]] = val
	return nil
}

// deleteAtFieldPath removes the value at fp, if it is present.
func deleteAtFieldPath(m map[string]any, fp []string) error {
	parent, err := parentMap(m, fp, false)
	if err != nil || parent == nil {
		return err
	}
	delete(parent, fp[len(fp)-1])
	return nil
}

// parentMap returns the map holding the last component of fp. A missing (or
// nil) intermediate value yields a new map when create is true and a nil
// result otherwise; any other non-map value is an InvalidArgument error.
func parentMap(m map[string]any, fp []string, create bool) (map[string]any, error) {
	for _, k := range fp[:len(fp)-1] {
		next, ok := m[k]
		if !ok || next == nil {
			if !create {
				return nil, nil
			}
			next = map[string]any{}
			m[k] = next
		}
		if m, ok = next.(map[string]any); !ok {
			return nil, newError(gcerrors.InvalidArgument, "invalid field path %q: %q is not a map", strings.Join(fp, "."), k)
		}
	}
	return m, nil
}
