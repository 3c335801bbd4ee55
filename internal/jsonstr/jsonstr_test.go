package jsonstr

import (
	"encoding/json"
	"testing"
)

// appendRef is what encoding/json writes for s, without HTML escaping.
// (encoding/json also escapes U+2028 and U+2029 for JavaScript; Append
// keeps them, which is equally valid JSON: FuzzAppend round-trips them.)
func appendRef(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		// encoding/json escapes <, > and & for HTML; Append does not.
		if i+5 < len(b) && b[i] == '\\' && b[i+1] == 'u' && b[i+2] == '0' && b[i+3] == '0' {
			switch string(b[i+4 : i+6]) {
			case "3c":
				out, i = append(out, '<'), i+5
				continue
			case "3e":
				out, i = append(out, '>'), i+5
				continue
			case "26":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "héllo, 世界 🎉", "bad \xff utf8 \xe2\x82", "<a href='x'>&</a>"} {
		if got, want := string(Append(nil, s)), appendRef(t, s); got != want {
			t.Errorf("Append(%q) = %s; encoding/json gives %s", s, got, want)
		}
		if got := string(Append([]byte("x"), []byte(s))); got != "x"+appendRef(t, s) {
			t.Errorf("Append([]byte %q) = %s", s, got)
		}
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "世界", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(Append(nil, s), &back); err != nil {
			t.Fatalf("Append(%q) is not valid JSON: %v", s, err)
		}
		want := string([]rune(s)) // invalid UTF-8 becomes U+FFFD, as in Append
		if back != want {
			t.Errorf("round trip of %q gave %q", s, back)
		}
	})
}
