package sqlitedocstore

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/gcerrors"
)

func TestWireRoundTrip(t *testing.T) {
	lmt := time.FixedZone("LMT", 17*60+30) // offset with seconds
	values := []any{
		nil, true, false,
		"", "plain", "quote \" backslash \\ newline \n tab \t nul \x00 ctrl \x1f", "ünïcødé ✓ 𝄞", "\u2028\u2029",
		"bad utf8 \xff\xfe",
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.0, -2.5, 1e21, 1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1),
		[]byte{}, []byte{0, 1, 2, 255},
		time.Date(2019, 3, 27, 0, 0, 0, 5e6+7, time.UTC),
		time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", -7*3600)),
		time.Date(1850, 1, 1, 0, 0, 0, 0, lmt),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Time{},
		[]any{}, []any{int64(1), "two", 3.0, nil, []any{[]byte("x")}},
		map[string]any{},
		map[string]any{
			"a": int64(1), "$b": "not bytes", "$$c": 2.0, "$": nil, "$x:": "x", "bad\xffkey": "v",
			"nested": map[string]any{"$t": "not a time", "list": []any{map[string]any{"$f": "NaN"}}},
		},
	}
	for _, v := range values {
		b, err := marshalWire(v)
		if err != nil {
			t.Fatalf("marshal %#v: %v", v, err)
		}
		got, err := unmarshalWire(string(b))
		if err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !cmp.Equal(got, v, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })) {
			t.Errorf("round trip of %#v via %s: got %#v", v, b, got)
		}
		if x, ok := v.(float64); ok && math.Signbit(x) != math.Signbit(got.(float64)) {
			t.Errorf("sign of %v lost via %s", x, b)
		}
	}

	// NaN is not equal to itself.
	b, err := marshalWire(math.NaN())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := unmarshalWire(string(b)); err != nil || !math.IsNaN(got.(float64)) {
		t.Errorf("NaN via %s: got %v, %v", b, got, err)
	}
}

func TestWireFormat(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{int64(3), `3`},
		{3.0, `3.0`},
		{1e21, `1e+21`},
		{"a<b>&c", `"a<b>&c"`},
		{[]byte("hi"), `{"$b":"aGk="}`},
		{time.Date(2019, 3, 27, 0, 0, 0, 5e6, time.UTC), `{"$t":"2019-03-27T00:00:00.005Z"}`},
		{map[string]any{"b": int64(1), "a": true, "$c": nil}, `{"$$c":null,"a":true,"b":1}`},
	} {
		b, err := marshalWire(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("marshalWire(%#v) = %s, want %s", tc.v, b, tc.want)
		}
	}
}

func TestWireCorrupt(t *testing.T) {
	for _, s := range []string{
		``, `{`, `1 2`, `{"$b":"***"}`, `{"$t":"yesterday"}`, `{"$f":"huge"}`, `{"$q":"x"}`,
		`{"$q":1}`, `{"$x:***":1}`, `99999999999999999999`,
	} {
		_, err := unmarshalWire(s)
		if err == nil {
			t.Errorf("unmarshalWire(%q) succeeded", s)
			continue
		}
		if errorCode(err) != gcerrors.Internal || !strings.HasPrefix(err.Error(), "sqlitedocstore: ") {
			t.Errorf("unmarshalWire(%q): got %v (code %v), want an Internal sqlitedocstore error", s, err, errorCode(err))
		}
	}
}

func TestWireUnsupportedType(t *testing.T) {
	if _, err := marshalWire(struct{}{}); errorCode(err) != gcerrors.Internal {
		t.Errorf("got %v, want Internal error", err)
	}
}
