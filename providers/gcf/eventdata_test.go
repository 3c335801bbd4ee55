package gcf

import (
	"encoding/json"
	"testing"
)

// TestInt64UnmarshalJSON: an Int64 decodes from a JSON number or a JSON
// string holding one, unescaped as encoding/json unescapes strings.
func TestInt64UnmarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{in: `12`, want: 12},
		{in: `-7`, want: -7},
		{in: `"42"`, want: 42},
		{in: `"\u0031"`, want: 1},
		{in: `"\u0031\u0032\u0033"`, want: 123},
		{in: `"9223372036854775807"`, want: 9223372036854775807},
		{in: `"-9223372036854775808"`, want: -9223372036854775808},
		{in: `null`, want: 0},
		{in: `""`, want: 0},
		{in: `"9223372036854775808"`, err: true},
		{in: `"1.5"`, err: true},
		{in: `1.5`, err: true},
		{in: `1e3`, err: true},
		{in: `"null"`, err: true},
		{in: `" 1"`, err: true},
		{in: `"\u00311"`, want: 11},
		{in: `true`, err: true},
	} {
		var v struct {
			N Int64 `json:"n"`
		}
		err := json.Unmarshal([]byte(`{"n":`+tc.in+`}`), &v)
		if (err != nil) != tc.err || (!tc.err && int64(v.N) != tc.want) {
			t.Errorf("%s: got %d, %v; want %d (error %v)", tc.in, v.N, err, tc.want, tc.err)
		}
	}
}
