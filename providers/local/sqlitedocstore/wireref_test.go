package sqlitedocstore

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/gcerrors"
)

// referenceUnmarshalWire is the decoder wireParser replaced: encoding/json,
// then a conversion. It is the oracle of TestWireParserMatchesReference.
func referenceUnmarshalWire(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, &codedError{code: gcerrors.Internal, msg: "corrupt stored value", err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, newError(gcerrors.Internal, "corrupt stored value: trailing data")
	}
	return fromJSON(raw)
}

// fromJSON converts the output of encoding/json (with UseNumber) to codec
// values, resolving tags.
func fromJSON(raw any) (any, error) {
	switch v := raw.(type) {
	case nil, bool, string:
		return v, nil
	case json.Number:
		s := string(v)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, &codedError{code: gcerrors.Internal, msg: "corrupt float " + s, err: err}
			}
			return f, nil
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, &codedError{code: gcerrors.Internal, msg: "corrupt integer " + s, err: err}
		}
		return i, nil
	case []any:
		for i, e := range v {
			x, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
		return v, nil
	case map[string]any:
		if len(v) == 1 {
			for k, e := range v {
				if s, ok := e.(string); ok && strings.HasPrefix(k, "$") && !strings.HasPrefix(k, keyEscape+keyEscape) && !strings.HasPrefix(k, keyBinary) {
					return fromTagged(k, s)
				}
			}
		}
		m := make(map[string]any, len(v))
		for k, e := range v {
			uk, err := unescapeKey(k)
			if err != nil {
				return nil, err
			}
			x, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			m[uk] = x
		}
		return m, nil
	}
	return nil, newError(gcerrors.Internal, "unexpected JSON value of type %T", raw)
}

// TestWireParserMatchesReference parses stored forms of every test value,
// and damaged variants of them, with both decoders: they must agree on the
// value or on failing.
func TestWireParserMatchesReference(t *testing.T) {
	var inputs []string
	for _, v := range sqlTestValues() {
		doc := map[string]any{"v": v, "$k": v, "l": []any{v, map[string]any{"x\n\"": v}}, "\xff": "s\t\u2028"}
		b, err := marshalWire(doc)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
		for _, cut := range []int{1, 2, len(b) / 2, len(b) - 1} {
			inputs = append(inputs, string(b[:cut]))
		}
		inputs = append(inputs, string(b)+"x", " "+string(b)+" ", strings.Replace(string(b), ",", ",,", 1), strings.Replace(string(b), ":", "", 1))
	}
	inputs = append(inputs, `{"$t":"2025-01-01T00:00:00Z","a":1}`, `{"a":1,"$t":"x"}`, `{"$$t":"x"}`, `[1, 2 ,3]`, `tru`, `nul`, `-`, `1e5`, `"a\u00e9"`, `{"a" : { } }`)
	for _, in := range inputs {
		got, gotErr := unmarshalWire(in)
		want, wantErr := referenceUnmarshalWire([]byte(in))
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%q: error %v, reference error %v", in, gotErr, wantErr)
			continue
		}
		if gotErr != nil {
			if gcerrors.Code(gotErr) != gcerrors.Internal && errorCode(gotErr) != gcerrors.Internal {
				t.Errorf("%q: code %v, want Internal", in, errorCode(gotErr))
			}
			continue
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || (a != a && b != b) })); diff != "" {
			t.Errorf("%q (-reference +got):\n%s", in, diff)
		}
	}
}
