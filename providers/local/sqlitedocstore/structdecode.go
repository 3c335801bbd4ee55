package sqlitedocstore

import (
	"encoding"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"gocloud.dev/docstore/driver"
)

// This file decodes stored documents into struct documents without
// gocloud's per-field matching (driver.Document.Decode looks each stored
// field up by a linear scan that copies every candidate field), which
// dominated reading a page of documents. Each struct type gets a plan
// once: its stored field names mapped to field indexes, and for the field
// kinds documents mostly hold (strings, bools, numbers, times, any, nested
// structs and slices of them) a direct setter. Every other field is decoded
// by driver.Decode, field by field. Types the plan cannot describe exactly
// as gocloud does (embedded fields, unmarshalers), and every value a setter
// does not take as gocloud would, fall back to driver.Document.Decode, so
// results and errors stay gocloud's.

// structPlans caches the decoding plan of each struct type; a nil plan
// means the type is always decoded by gocloud.
type structPlans struct{ m sync.Map } // reflect.Type → *structPlan

// structPlan decodes a stored map into one struct type.
type structPlan struct {
	fields map[string]fieldPlan
}

// fieldPlan decodes one stored value into a struct field.
type fieldPlan struct {
	index int
	set   setter
	kind  fieldKind
}

// fieldKind tells the fields whose wire values are decoded in place
// (wirestruct.go) from the others.
type fieldKind int

const (
	fieldOther  fieldKind = iota
	fieldString           // set by setString
	fieldStruct           // set by setStruct
	fieldTime             // set by setTime
)

// setter sets v from the stored value val. It reports false when the
// value is not one it decodes as gocloud does; the caller then falls back.
type setter func(p *structPlans, v reflect.Value, val any) bool

var (
	typeOfBinaryUnmarshaler = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	typeOfTextUnmarshaler   = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodeInto decodes m into the struct or map document ddoc, and reports
// false if ddoc must be decoded by gocloud instead.
func (p *structPlans) decodeInto(m storedDoc, ddoc driver.Document) bool {
	switch dst := ddoc.Origin.(type) {
	case map[string]any:
		// As gocloud's map decoding: each stored value replaces the entry.
		for k, v := range m {
			dst[k] = v
		}
		return true
	case nil:
		return false
	}
	rv := reflect.ValueOf(ddoc.Origin)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	plan := p.plan(rv.Elem().Type())
	return plan != nil && plan.decode(p, rv.Elem(), m)
}

// decode sets the fields of the struct v from m.
func (sp *structPlan) decode(p *structPlans, v reflect.Value, m map[string]any) bool {
	for k, val := range m {
		f, ok := sp.fields[k]
		if !ok {
			return false // gocloud reports the unknown field
		}
		if !f.set(p, v.Field(f.index), val) {
			return false
		}
	}
	return true
}

// plan returns the plan of struct type t, or nil.
func (p *structPlans) plan(t reflect.Type) *structPlan {
	if sp, ok := p.m.Load(t); ok {
		return sp.(*structPlan)
	}
	sp := newStructPlan(p, t)
	p.m.Store(t, sp)
	return sp
}

// newStructPlan builds the plan of struct type t, or returns nil if t has
// fields whose naming the plan does not reproduce.
func newStructPlan(p *structPlans, t reflect.Type) *structPlan {
	if hasCustomDecoding(t) {
		return nil
	}
	sp := &structPlan{fields: map[string]fieldPlan{}}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil // promoted fields follow Go's embedding rules
		}
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("docstore"), ",")
		if tag[0] == "-" && len(tag) == 1 {
			continue
		}
		for _, opt := range tag[1:] {
			if opt != "omitempty" {
				return nil // gocloud reports the bad option
			}
		}
		name := tag[0]
		if name == "" {
			name = f.Name
		}
		if _, dup := sp.fields[name]; dup {
			return nil // resolved by Go's rules for conflicting names
		}
		set, kind := setterFor(f.Type)
		sp.fields[name] = fieldPlan{index: i, set: set, kind: kind}
		names = append(names, name)
	}
	// Check the names against gocloud's own view of the type.
	doc, err := driver.NewDocument(reflect.New(t).Interface())
	if err != nil {
		return nil
	}
	theirs := doc.FieldNames()
	slices.Sort(names)
	slices.Sort(theirs)
	if !slices.Equal(names, theirs) {
		return nil
	}
	return sp
}

// hasCustomDecoding reports whether gocloud decodes values of type t
// through an interface t implements rather than by its kind.
func hasCustomDecoding(t reflect.Type) bool {
	if t == typeOfGoTime {
		return false // decoded by the codec's AsSpecial
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(typeOfBinaryUnmarshaler) || pt.Implements(typeOfTextUnmarshaler) {
		return true
	}
	_, proto := pt.MethodByName("ProtoReflect")
	return proto
}

// setterFor returns the setter of a field of type t, and its kind.
func setterFor(t reflect.Type) (setter, fieldKind) {
	if t == typeOfGoTime {
		return setTime, fieldTime
	}
	if hasCustomDecoding(t) {
		return setGeneric, fieldOther
	}
	switch t.Kind() {
	case reflect.String:
		return setString, fieldString
	case reflect.Bool:
		return setBool, fieldOther
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return setInt, fieldOther
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return setInterface, fieldOther
		}
	case reflect.Struct:
		return setStruct, fieldStruct
	case reflect.Slice:
		et := t.Elem()
		if et.Kind() == reflect.Struct && et != typeOfGoTime && !hasCustomDecoding(et) {
			return setStructSlice, fieldOther
		}
	}
	return setGeneric, fieldOther
}

// setGeneric decodes val into v with gocloud's decoder.
func setGeneric(_ *structPlans, v reflect.Value, val any) bool {
	return driver.Decode(v, decoder{val}) == nil
}

func setString(_ *structPlans, v reflect.Value, val any) bool {
	s, ok := val.(string)
	if ok {
		v.SetString(s)
	}
	return ok
}

func setBool(_ *structPlans, v reflect.Value, val any) bool {
	b, ok := val.(bool)
	if ok {
		v.SetBool(b)
	}
	return ok
}

func setInt(p *structPlans, v reflect.Value, val any) bool {
	i, ok := val.(int64)
	if !ok || v.OverflowInt(i) {
		return setGeneric(p, v, val) // floats with integral values, errors
	}
	v.SetInt(i)
	return true
}

func setTime(_ *structPlans, v reflect.Value, val any) bool {
	switch t := val.(type) {
	case time.Time:
		storeTime(v, t)
	case nil:
		storeTime(v, time.Time{})
	default:
		return false
	}
	return true
}

// storeTime sets the time.Time v to t, without boxing t when v is
// addressable (as struct fields decoded in place are).
func storeTime(v reflect.Value, t time.Time) {
	if v.CanAddr() {
		*v.Addr().Interface().(*time.Time) = t
		return
	}
	v.Set(reflect.ValueOf(t))
}

func setInterface(_ *structPlans, v reflect.Value, val any) bool {
	if val == nil {
		v.SetZero()
		return true
	}
	if !v.IsNil() && v.Elem().Kind() == reflect.Pointer {
		return false // gocloud decodes into the pointer held
	}
	v.Set(reflect.ValueOf(val))
	return true
}

func setStruct(p *structPlans, v reflect.Value, val any) bool {
	m, ok := val.(map[string]any)
	if !ok {
		return false
	}
	sp := p.plan(v.Type())
	return sp != nil && sp.decode(p, v, m)
}

// setStructSlice decodes a list into a slice of structs, reusing the
// slice's array and elements as gocloud does.
func setStructSlice(p *structPlans, v reflect.Value, val any) bool {
	if val == nil {
		v.SetZero()
		return true
	}
	list, ok := val.([]any)
	if !ok {
		return false
	}
	sp := p.plan(v.Type().Elem())
	if sp == nil {
		return false
	}
	switch n := len(list); {
	case v.Len() < n && v.Cap() >= n:
		v.SetLen(n)
	case v.Len() < n:
		v.Set(reflect.MakeSlice(v.Type(), n, n))
	case v.Len() > n:
		v.SetLen(n)
	}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok || !sp.decode(p, v.Index(i), m) {
			return false
		}
	}
	return true
}
