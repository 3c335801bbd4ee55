package sqlitedocstore

import (
	"encoding/json"
	"strconv"
	"strings"

	"gocloud.dev/gcerrors"
)

// This file parses the wire format (see wire.go) in one pass, straight into
// codec values: reading stored documents is on every query's path, and
// encoding/json's generic decoding followed by a conversion costs several
// times more.

// unmarshalWire parses the wire encoding in b. The strings it returns
// share b's memory where they need no unescaping.
func unmarshalWire(b string) (any, error) {
	p := wireParser{b: b}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.corrupt("trailing data")
	}
	return v, nil
}

type wireParser struct {
	b string
	i int
}

func (p *wireParser) corrupt(what string) error {
	return newError(gcerrors.Internal, "corrupt stored value: %s at offset %d", what, p.i)
}

func (p *wireParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *wireParser) value() (any, error) {
	p.space()
	if p.i >= len(p.b) {
		return nil, p.corrupt("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.corrupt("unexpected character")
}

func (p *wireParser) literal(s string) error {
	if !strings.HasPrefix(p.b[p.i:], s) {
		return p.corrupt("invalid literal")
	}
	p.i += len(s)
	return nil
}

// number parses an int64 (no fraction or exponent) or a float64.
func (p *wireParser) number() (any, error) {
	start, float := p.i, false
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		if c == '.' || c == 'e' || c == 'E' {
			float = true
		} else if c != '-' && c != '+' && (c < '0' || c > '9') {
			break
		}
	}
	s := p.b[start:p.i]
	if float {
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
}

// str parses a JSON string. Strings with escapes, which the encoder writes
// only for quotes, backslashes and control characters, go through
// encoding/json.
func (p *wireParser) str() (string, error) {
	start := p.i
	p.i++
	escaped := false
	for ; p.i < len(p.b); p.i++ {
		switch p.b[p.i] {
		case '\\':
			escaped = true
			p.i++
		case '"':
			p.i++
			if !escaped {
				return p.b[start+1 : p.i-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(p.b[start:p.i]), &s); err != nil {
				return "", &codedError{code: gcerrors.Internal, msg: "corrupt stored string", err: err}
			}
			return s, nil
		}
	}
	return "", p.corrupt("unterminated string")
}

func (p *wireParser) array() (any, error) {
	p.i++ // [
	list := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return list, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.corrupt("unterminated list")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return list, nil
		default:
			return nil, p.corrupt("expected ',' or ']'")
		}
	}
}

// object parses a map, or a tagged value: a one-key object whose key is a
// tag and whose value is a string.
func (p *wireParser) object() (any, error) {
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, nil
	}
	var tag, tagged string
	for n := 0; ; n++ {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.corrupt("expected a map key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.corrupt("expected ':'")
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		s, isStr := v.(string)
		if n == 0 && isStr && strings.HasPrefix(k, "$") && !strings.HasPrefix(k, keyEscape+keyEscape) && !strings.HasPrefix(k, keyBinary) {
			tag, tagged = k, s
		} else {
			uk, err := unescapeKey(k)
			if err != nil {
				return nil, err
			}
			m[uk] = v
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, p.corrupt("unterminated map")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			if tag != "" { // a tag-like key among others is corrupt
				if _, err := unescapeKey(tag); err != nil {
					return nil, err
				}
			}
		case '}':
			p.i++
			if tag != "" {
				if n == 0 {
					return fromTagged(tag, tagged)
				}
			}
			return m, nil
		default:
			return nil, p.corrupt("expected ',' or '}'")
		}
	}
}
