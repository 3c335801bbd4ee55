package sqlitedocstore

import (
	"bytes"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faaskit/faas/internal/jsonstr"
	"gocloud.dev/gcerrors"
)

// This file implements the wire format: the lossless, typed JSON text that
// documents and keys are stored as. Its input and output are the values
// produced by the codec in codec.go: nil, bool, string, int64, float64,
// []byte, time.Time, []any and map[string]any.
//
//   - null, true, false and valid UTF-8 strings are plain JSON.
//   - int64 is a JSON number without fraction or exponent; float64 always
//     has a fraction or an exponent ("3.0", "1e+21").
//   - Values JSON cannot express are one-key objects whose key is a tag:
//     {"$b": base64} for []byte, {"$t": RFC 3339 with nanoseconds} for
//     time.Time ({"$T": base64 of time.MarshalBinary} when RFC 3339 cannot
//     represent it exactly), {"$f": "NaN"|"+Inf"|"-Inf"} for non-finite floats,
//     {"$s": base64} for strings that are not valid UTF-8.
//   - Lists are JSON arrays; maps are JSON objects with sorted keys. A map
//     key that starts with "$" is written with one more "$"; a key that is
//     not valid UTF-8 is written as "$x:" followed by its base64. So no map
//     can be mistaken for a tagged value.
//
// Encoding is deterministic, which the key column relies on.

const (
	tagBytes      = "$b"
	tagTime       = "$t"
	tagBinaryTime = "$T"
	tagFloat      = "$f"
	tagString     = "$s"
	keyEscape     = "$"
	keyBinary     = "$x:"
)

// marshalWire returns the wire encoding of v.
func marshalWire(v any) ([]byte, error) {
	return appendWire(nil, v)
}

func appendWire(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case string:
		if !utf8.ValidString(v) {
			return appendTagged(buf, tagString, base64.StdEncoding.EncodeToString([]byte(v))), nil
		}
		return jsonstr.Append(buf, v), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case float64:
		switch {
		case math.IsNaN(v):
			return appendTagged(buf, tagFloat, "NaN"), nil
		case math.IsInf(v, 1):
			return appendTagged(buf, tagFloat, "+Inf"), nil
		case math.IsInf(v, -1):
			return appendTagged(buf, tagFloat, "-Inf"), nil
		}
		start := len(buf)
		buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		if !bytes.ContainsAny(buf[start:], ".e") {
			buf = append(buf, ".0"...)
		}
		return buf, nil
	case []byte:
		return appendTagged(buf, tagBytes, base64.StdEncoding.EncodeToString(v)), nil
	case time.Time:
		// RFC 3339 cannot express years outside 0..9999 or zone offsets
		// with seconds (historical local mean time); fall back to binary.
		if _, off := v.Zone(); off%60 != 0 || v.Year() < 0 || v.Year() > 9999 {
			b, err := v.MarshalBinary()
			if err != nil {
				return nil, &codedError{code: gcerrors.InvalidArgument, msg: "cannot encode time", err: err}
			}
			return appendTagged(buf, tagBinaryTime, base64.StdEncoding.EncodeToString(b)), nil
		}
		return appendTagged(buf, tagTime, v.Format(time.RFC3339Nano)), nil
	case []any:
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendWire(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = jsonstr.Append(buf, escapeKey(k))
			buf = append(buf, ':')
			var err error
			if buf, err = appendWire(buf, v[k]); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	default:
		return nil, newError(gcerrors.Internal, "cannot store value of type %T", v)
	}
}

func appendTagged(buf []byte, tag, s string) []byte {
	buf = append(buf, '{')
	buf = jsonstr.Append(buf, tag)
	buf = append(buf, ':')
	buf = jsonstr.Append(buf, s)
	return append(buf, '}')
}

func escapeKey(k string) string {
	if !utf8.ValidString(k) {
		return keyBinary + base64.StdEncoding.EncodeToString([]byte(k))
	}
	if strings.HasPrefix(k, keyEscape) {
		return keyEscape + k
	}
	return k
}

func unescapeKey(k string) (string, error) {
	switch {
	case strings.HasPrefix(k, keyBinary):
		b, err := base64.StdEncoding.DecodeString(k[len(keyBinary):])
		if err != nil {
			return "", &codedError{code: gcerrors.Internal, msg: "corrupt map key " + strconv.Quote(k), err: err}
		}
		return string(b), nil
	case strings.HasPrefix(k, keyEscape+keyEscape):
		return k[len(keyEscape):], nil
	case strings.HasPrefix(k, keyEscape):
		return "", newError(gcerrors.Internal, "corrupt map key %q", k)
	}
	return k, nil
}

func fromTagged(tag, s string) (any, error) {
	corrupt := func(err error) error {
		return &codedError{code: gcerrors.Internal, msg: "corrupt " + tag + " value " + strconv.Quote(s), err: err}
	}
	switch tag {
	case tagBytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, corrupt(err)
		}
		return b, nil
	case tagString:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, corrupt(err)
		}
		return string(b), nil
	case tagTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, corrupt(err)
		}
		return t, nil
	case tagBinaryTime:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, corrupt(err)
		}
		var t time.Time
		if err := t.UnmarshalBinary(b); err != nil {
			return nil, corrupt(err)
		}
		return t, nil
	case tagFloat:
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "+Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return nil, corrupt(nil)
	}
	return nil, newError(gcerrors.Internal, "corrupt stored value: unknown tag %q", tag)
}
