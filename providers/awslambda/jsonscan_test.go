package awslambda

import (
	"encoding/json"
	"testing"
)

// TestScannerStrings decodes JSON strings with the scanner, both ways it
// does (strBytes, and rawStr then appendUnescaped), and with
// encoding/json: the results must agree, invalid strings must fail.
func TestScannerStrings(t *testing.T) {
	valid := []string{
		`""`, `"plain"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u00e9\u20ac"`, `"\ud83d\ude00 smile"`,
		`"lone high \ud83d end"`, `"lone low \ude00"`, `"high then text \ud83dx"`, `"high then non-low \ud83d\u0041"`,
		`"two highs \ud83d\ud83d\ude00"`, `"ü raw UTF-8"`, `"\u0000nul"`, `null`,
	}
	for _, in := range valid {
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		s := scanner{b: []byte(in)}
		got, ok := s.strBytes()
		if !ok || s.err != nil || string(got) != want {
			t.Errorf("strBytes(%s) = %q, %v, %v; want %q", in, got, ok, s.err, want)
		}
		s = scanner{b: []byte(in)}
		raw, esc, ok := s.rawStr()
		if esc {
			raw = appendUnescaped(nil, raw)
		}
		if !ok || s.err != nil || string(raw) != want {
			t.Errorf("rawStr(%s) decodes to %q, %v, %v; want %q", in, raw, ok, s.err, want)
		}
	}
	invalid := []string{`"unterminated`, `"bad \x escape"`, `"short \u12"`, `"bad \u12g4 hex"`, "\"control \x01\"", `"ends in \`, `123`}
	for _, in := range invalid {
		s := scanner{b: []byte(in)}
		if _, _, ok := s.rawStr(); ok || s.err == nil {
			t.Errorf("rawStr(%s) succeeded; want an error", in)
		}
		s = scanner{b: []byte(in)}
		if _, ok := s.strBytes(); ok || s.err == nil {
			t.Errorf("strBytes(%s) succeeded; want an error", in)
		}
	}
}

func TestIsText(t *testing.T) {
	cases := []struct {
		ct   string
		want bool
	}{
		{"text/plain", true}, {"Text/HTML; charset=utf-8", true}, {"application/json", true},
		{" application/problem+json ; charset=utf-8", true}, {"application/xml", true}, {"image/svg+xml", true},
		{"application/javascript", true}, {"application/x-yaml", true}, {"application/x-www-form-urlencoded", true},
		{"application/octet-stream", false}, {"image/png", false}, {"", false}, {"application/json-seq-not", false},
	}
	for _, c := range cases {
		if got := isText(c.ct); got != c.want {
			t.Errorf("isText(%q) = %v; want %v", c.ct, got, c.want)
		}
	}
}
