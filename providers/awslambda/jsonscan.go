package awslambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small pull decoder over one JSON document held in memory.
// Event decoding walks the payload once with it, straight into the shapes
// the shim needs, without reflection and without copying strings that hold
// no escapes more than once. It is lenient about commas (the payload comes
// from Lambda, not from an adversary) but never loops or reads out of
// bounds on malformed input: the first syntax error is kept in err and every
// later call returns a zero value.
type scanner struct {
	b   []byte
	i   int
	err error
}

var errEOF = errors.New("unexpected end of JSON input")

func (s *scanner) fail(what string) {
	if s.err == nil {
		if s.i >= len(s.b) {
			s.err = errEOF
		} else {
			s.err = fmt.Errorf("invalid JSON at offset %d: %s", s.i, what)
		}
	}
	s.i = len(s.b)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// literal consumes lit (null, true, false).
func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	s.fail("bad literal")
	return false
}

// object starts reading an object. It returns false for null (consumed)
// and on errors.
func (s *scanner) object() bool {
	switch s.peek() {
	case '{':
		s.i++
		return true
	case 'n':
		s.literal("null")
		return false
	}
	s.fail("want object")
	return false
}

// key returns the next key of the object being read, or false at its end.
// The returned slice aliases the input when the key has no escapes.
func (s *scanner) key() ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	c := s.peek()
	if c == ',' {
		s.i++
		c = s.peek()
	}
	if c == '}' {
		s.i++
		return nil, false
	}
	k, ok := s.strBytes()
	if !ok {
		s.fail("want object key")
		return nil, false
	}
	if s.peek() != ':' {
		s.fail("want ':'")
		return nil, false
	}
	s.i++
	return k, true
}

// members calls f with each remaining key of the object being read (its
// '{' already consumed); f must read or skip that key's value.
func (s *scanner) members(f func(k []byte)) {
	for {
		k, ok := s.key()
		if !ok {
			return
		}
		f(k)
	}
}

// fields reads the object at the cursor with members and reports whether
// it was one; null reads as no fields.
func (s *scanner) fields(f func(k []byte)) bool {
	if !s.object() {
		return false
	}
	s.members(f)
	return true
}

// array starts reading an array; false for null and on errors.
func (s *scanner) array() bool {
	switch s.peek() {
	case '[':
		s.i++
		return true
	case 'n':
		s.literal("null")
		return false
	}
	s.fail("want array")
	return false
}

// more reports whether the array being read has another element.
func (s *scanner) more() bool {
	if s.err != nil {
		return false
	}
	c := s.peek()
	if c == ',' {
		s.i++
		c = s.peek()
	}
	if c == ']' {
		s.i++
		return false
	}
	if c == 0 {
		s.fail("unterminated array")
		return false
	}
	return true
}

// strBytes reads a string (null reads as empty). The result aliases the
// input unless the string contains escapes.
func (s *scanner) strBytes() ([]byte, bool) {
	raw, esc, ok := s.rawStr()
	if !esc {
		return raw, ok
	}
	return appendUnescaped(make([]byte, 0, len(raw)), raw), true
}

// rawStr reads a string (null reads as empty) and returns its raw contents
// between the quotes, aliasing the input and still escaped if esc. The
// escapes are checked, so appendUnescaped cannot fail on the result.
func (s *scanner) rawStr() (raw []byte, esc, ok bool) {
	switch s.peek() {
	case '"':
	case 'n':
		return nil, false, s.literal("null")
	default:
		s.fail("want string")
		return nil, false, false
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, esc, true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.i = len(s.b)
				break
			}
			esc = true
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				s.i += 2
				if _, ok := s.hex4(); !ok {
					return nil, false, false
				}
			default:
				s.fail("bad escape")
				return nil, false, false
			}
			continue
		case c < 0x20:
			s.fail("control character in string")
			return nil, false, false
		}
		s.i++
	}
	s.fail("unterminated string")
	return nil, false, false
}

// appendUnescaped appends the string whose raw contents rawStr returned,
// with its escapes decoded. A \u escape of half a UTF-16 surrogate pair
// becomes U+FFFD, as in encoding/json.
func appendUnescaped(out, raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := i
		for j < len(raw) && raw[j] != '\\' {
			j++
		}
		out = append(out, raw[i:j]...)
		if j+1 >= len(raw) {
			break
		}
		e := raw[j+1]
		i = j + 2
		switch e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hexRune(raw, i)
			if !ok {
				return out
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(utf8.RuneError)
				if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if lo, ok := hexRune(raw, i+2); ok {
						if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
							r2 = d
							i += 6
						}
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, e)
		}
	}
	return out
}

// hexRune decodes the four hex digits at raw[i:].
func hexRune(raw []byte, i int) (rune, bool) {
	if len(raw)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// hex4 checks the four hex digits of a \u escape and moves past them.
func (s *scanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		s.fail("short \\u escape")
		return 0, false
	}
	r, ok := hexRune(s.b, s.i)
	if !ok {
		s.fail("bad \\u escape")
		return 0, false
	}
	s.i += 4
	return r, true
}

// str reads a string value as a Go string.
func (s *scanner) str() string {
	b, _ := s.strBytes()
	return string(b)
}

// boolean reads true, false or null (false).
func (s *scanner) boolean() bool {
	switch s.peek() {
	case 't':
		return s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.fail("want boolean")
	}
	return false
}

// number returns the raw text of a number (nil for null).
func (s *scanner) number() []byte {
	switch c := s.peek(); {
	case c == 'n':
		s.literal("null")
		return nil
	case c != '-' && (c < '0' || c > '9'):
		s.fail("want number")
		return nil
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
			continue
		}
		break
	}
	return s.b[start:s.i]
}

// int64 reads an integer; a number written as a string ("123") is
// accepted too, as some AWS events quote numbers.
func (s *scanner) int64() int64 {
	var raw []byte
	if s.peek() == '"' {
		raw, _ = s.strBytes()
	} else {
		raw = s.number()
	}
	if len(raw) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(raw), 64)
		if ferr != nil {
			s.fail("bad integer")
			return 0
		}
		n = int64(f)
	}
	return n
}

// skip consumes any value.
func (s *scanner) skip() {
	switch s.peek() {
	case '{':
		s.i++
		for {
			if _, ok := s.key(); !ok {
				return
			}
			s.skip()
		}
	case '[':
		s.i++
		for s.more() {
			s.skip()
		}
	case '"':
		s.skipString()
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		if s.number() == nil {
			s.fail("want value")
		}
	}
}

// skipString passes over a string without decoding it.
func (s *scanner) skipString() {
	s.i++
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			return
		case '\\':
			s.i += 2
			continue
		}
		s.i++
	}
	s.fail("unterminated string")
}

// raw consumes any value and returns its bytes (aliasing the input).
func (s *scanner) raw() []byte {
	s.ws()
	start := s.i
	s.skip()
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i]
}

// value decodes any value the way encoding/json does into an interface
// with UseNumber: objects as map[string]any, arrays as []any, numbers as
// json.Number, so no numeric precision or array structure is lost.
func (s *scanner) value() any {
	switch c := s.peek(); c {
	case '{':
		m := map[string]any{}
		s.i++
		s.members(func(k []byte) { m[string(k)] = s.value() })
		return m
	case '[':
		s.i++
		a := []any{}
		for s.more() {
			a = append(a, s.value())
		}
		return a
	case '"':
		return s.str()
	case 't', 'f':
		return s.boolean()
	case 'n':
		s.literal("null")
		return nil
	default:
		n := s.number()
		if n == nil {
			s.fail("want value")
			return nil
		}
		return json.Number(n)
	}
}

// stringField reads an object (null → "") and returns the string value of
// its key name, skipping every other key.
func (s *scanner) stringField(name string) string {
	var v string
	s.fields(func(k []byte) {
		if string(k) == name {
			v = s.str()
		} else {
			s.skip()
		}
	})
	return v
}

// stringMap reads an object of strings (null → nil). Non-string values are
// kept as their JSON text.
func (s *scanner) stringMap() map[string]string {
	m := map[string]string{}
	isObject := s.fields(func(k []byte) {
		if s.peek() == '"' || s.peek() == 'n' {
			m[string(k)] = s.str()
		} else {
			m[string(k)] = string(s.raw())
		}
	})
	if !isObject {
		return nil
	}
	return m
}

// stringSlice reads an array of strings (null → nil).
func (s *scanner) stringSlice() []string {
	if !s.array() {
		return nil
	}
	out := []string{}
	for s.more() {
		out = append(out, s.str())
	}
	return out
}
