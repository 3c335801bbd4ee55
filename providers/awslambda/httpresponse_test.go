package awslambda

import "testing"

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
