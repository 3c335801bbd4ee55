package sqlitedocstore

import (
	"reflect"
	"strings"
	"time"

	"gocloud.dev/docstore/driver"
)

// This file decodes a stored document straight from its wire form into a
// struct document, through the type's plan (structdecode.go), without
// building the map parseDoc returns. Strings and nested structs are read
// into their fields directly; every other value is parsed as parseDoc
// would and handed to the field's setter. Anything unusual (an escaped
// key, a field the plan does not know, a value a setter refuses, corrupt
// data) makes it report false, and the caller decodes the document the
// general way, which also produces the error, if any.

// decodeWire decodes the stored document b into the struct document ddoc,
// and reports false if it must be decoded through parseDoc and decodeDoc
// instead. On false, ddoc may be partly written.
func (p *structPlans) decodeWire(b string, ddoc driver.Document) bool {
	rv := reflect.ValueOf(ddoc.Origin)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	sp := p.plan(rv.Elem().Type())
	if sp == nil {
		return false
	}
	wp := wireParser{b: b}
	if !wp.structInto(p, sp, rv.Elem()) {
		return false
	}
	wp.space()
	return wp.i == len(wp.b)
}

// structInto decodes the wire object at the parser's position into the
// struct v of plan sp.
func (wp *wireParser) structInto(p *structPlans, sp *structPlan, v reflect.Value) bool {
	if !wp.consume('{') {
		return false
	}
	if wp.consume('}') {
		return true
	}
	for {
		wp.space()
		key, ok := wp.plainKey()
		if !ok {
			return false
		}
		f, ok := sp.fields[key]
		if !ok || !wp.consume(':') {
			return false
		}
		if !wp.fieldInto(p, f, v.Field(f.index)) {
			return false
		}
		switch {
		case wp.consume(','):
		case wp.consume('}'):
			return true
		default:
			return false
		}
	}
}

// fieldInto decodes the wire value at the parser's position into the
// field v.
func (wp *wireParser) fieldInto(p *structPlans, f fieldPlan, v reflect.Value) bool {
	wp.space()
	if wp.i >= len(wp.b) {
		return false
	}
	switch c := wp.b[wp.i]; {
	case c == '"' && v.Kind() == reflect.String && f.kind == fieldString:
		s, err := wp.str()
		if err != nil {
			return false
		}
		v.SetString(s)
		return true
	case c == '{' && f.kind == fieldTime:
		if t, ok := wp.rfc3339Time(); ok {
			storeTime(v, t)
			return true
		}
	case c == '{' && f.kind == fieldStruct:
		if wp.taggedAhead() {
			break // not a map: the setter refuses it
		}
		sp := p.plan(v.Type())
		return sp != nil && wp.structInto(p, sp, v)
	}
	val, err := wp.value()
	if err != nil {
		return false
	}
	return f.set(p, v, val)
}

// consume skips spaces and then c, reporting whether c was there.
func (wp *wireParser) consume(c byte) bool {
	wp.space()
	if wp.i < len(wp.b) && wp.b[wp.i] == c {
		wp.i++
		return true
	}
	return false
}

// plainKey reads a map key that needs no unescaping: one without JSON
// escapes that does not start with "$". The string returned shares
// the input's memory.
func (wp *wireParser) plainKey() (string, bool) {
	if wp.i >= len(wp.b) || wp.b[wp.i] != '"' {
		return "", false
	}
	start := wp.i + 1
	for j := start; j < len(wp.b); j++ {
		switch wp.b[j] {
		case '\\':
			return "", false
		case '"':
			if j > start && wp.b[start] == '$' {
				return "", false
			}
			wp.i = j + 1
			return wp.b[start:j], true
		}
	}
	return "", false
}

// taggedAhead reports whether the object at the parser's position starts
// with a key beginning with "$": a tagged value or an escaped key.
func (wp *wireParser) taggedAhead() bool {
	j := wp.i + 1
	for j < len(wp.b) && (wp.b[j] == ' ' || wp.b[j] == '\t' || wp.b[j] == '\n' || wp.b[j] == '\r') {
		j++
	}
	return j+1 < len(wp.b) && wp.b[j] == '"' && wp.b[j+1] == '$'
}

// timePrefix starts a time stored in RFC 3339 form (see wire.go).
const timePrefix = `{"` + tagTime + `":"`

// rfc3339Time reads a time stored in RFC 3339 form, without the map and
// boxing of the general parse. Anything else leaves the parser where it
// was and reports false.
func (wp *wireParser) rfc3339Time() (time.Time, bool) {
	rest := wp.b[wp.i:]
	if !strings.HasPrefix(rest, timePrefix) {
		return time.Time{}, false
	}
	rest = rest[len(timePrefix):]
	end := strings.IndexByte(rest, '"')
	if end < 0 || end+1 >= len(rest) || rest[end+1] != '}' || strings.IndexByte(rest[:end], '\\') >= 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, rest[:end])
	if err != nil {
		return time.Time{}, false
	}
	wp.i += len(timePrefix) + end + 2
	return t, true
}
