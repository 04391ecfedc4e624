package api

// JSON.stringify(JSON.parse(body)), as JavaScript computes it.
//
// Cobalt's sample receiver signs JSON.stringify(req.body), so a body that
// is not already in that form (pretty-printed, \u escapes, other number
// spellings) must be re-serialised exactly as V8 would before its HMAC can
// match. A small parser of its own is used rather than encoding/json
// because JavaScript strings keep lone surrogates (\ud800), which
// encoding/json would replace with U+FFFD. Strings are held as WTF-8
// (UTF-8 that also encodes lone surrogates) so such code units survive.
//
// Rules implemented (ECMA-262 JSON.parse, JSON.stringify, Number::toString,
// OrdinaryOwnPropertyKeys):
//   - no whitespace; keys in property order: array-index keys ("0".."4294967294",
//     canonical) first in ascending numeric order, then the others in the order
//     first seen; a duplicate key keeps its first position and its last value;
//   - strings: " and \ escaped, \b \f \n \r \t, other controls as \u00xx
//     (lower-case hex), lone surrogates as \udxxx, everything else literal
//     (non-ASCII, <, >, &, U+2028, U+2029 included);
//   - numbers as Number::toString prints the parsed double (1e+21, 1.5, 1e-7,
//     -0 as 0, 100 for 1e2); a number too large for a double becomes null.
// Known limit: a raw body with invalid UTF-8 is decoded with one U+FFFD per
// bad byte (Go's rule), where Node replaces maximal subparts; Cobalt sends
// UTF-8, so this only matters for a body that fails the raw check anyway.

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSDepth bounds nesting so a hostile body cannot exhaust the stack.
const maxJSDepth = 2000

var errJSSyntax = errors.New("invalid JSON")

type jsKind uint8

const (
	jsNull jsKind = iota
	jsBool
	jsNumber
	jsString
	jsArray
	jsObject
)

type jsValue struct {
	kind jsKind
	b    bool
	num  float64
	str  string // WTF-8
	arr  []jsValue
	obj  *jsObj
}

type jsObj struct {
	keys []string
	vals []jsValue
	pos  map[string]int
}

func (o *jsObj) set(k string, v jsValue) {
	if i, ok := o.pos[k]; ok {
		o.vals[i] = v
		return
	}
	o.pos[k] = len(o.keys)
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// JSStringify returns JSON.stringify(JSON.parse(src)) as JavaScript (V8)
// computes it, or an error when JSON.parse would throw.
func JSStringify(src []byte) ([]byte, error) {
	p := jsParser{s: src}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, errJSSyntax
	}
	return appendJSValue(make([]byte, 0, len(src)), v), nil
}

type jsParser struct {
	s []byte
	i int
}

func (p *jsParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsParser) lit(word string) bool {
	if strings.HasPrefix(string(p.s[p.i:min(len(p.s), p.i+len(word))]), word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsParser) value(depth int) (jsValue, error) {
	if depth > maxJSDepth {
		return jsValue{}, errors.New("JSON nested too deeply")
	}
	if p.i >= len(p.s) {
		return jsValue{}, errJSSyntax
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return jsValue{kind: jsString, str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.lit("true"):
		return jsValue{kind: jsBool, b: true}, nil
	case p.lit("false"):
		return jsValue{kind: jsBool}, nil
	case p.lit("null"):
		return jsValue{kind: jsNull}, nil
	}
	return jsValue{}, errJSSyntax
}

func (p *jsParser) object(depth int) (jsValue, error) {
	o := &jsObj{pos: map[string]int{}}
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return jsValue{kind: jsObject, obj: o}, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return jsValue{}, errJSSyntax
		}
		k, err := p.str()
		if err != nil {
			return jsValue{}, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return jsValue{}, errJSSyntax
		}
		p.i++
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return jsValue{}, err
		}
		o.set(k, v)
		p.ws()
		if p.i >= len(p.s) {
			return jsValue{}, errJSSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return jsValue{kind: jsObject, obj: o}, nil
		default:
			return jsValue{}, errJSSyntax
		}
	}
}

func (p *jsParser) array(depth int) (jsValue, error) {
	p.i++ // [
	a := jsValue{kind: jsArray}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return jsValue{}, err
		}
		a.arr = append(a.arr, v)
		p.ws()
		if p.i >= len(p.s) {
			return jsValue{}, errJSSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return jsValue{}, errJSSyntax
		}
	}
}

// number checks JSON's number grammar, then parses it as a double.
func (p *jsParser) number() (jsValue, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return jsValue{}, errJSSyntax
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return jsValue{}, errJSSyntax
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return jsValue{}, errJSSyntax
		}
	}
	f, err := strconv.ParseFloat(string(p.s[start:p.i]), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return jsValue{}, errJSSyntax
	}
	return jsValue{kind: jsNumber, num: f}, nil // ErrRange: ±Inf or ±0, as JS
}

// str decodes a string literal into WTF-8.
func (p *jsParser) str() (string, error) {
	p.i++ // "
	var b []byte
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", errJSSyntax
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", errJSSyntax
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				u, ok := p.hex4()
				if !ok {
					return "", errJSSyntax
				}
				if u >= 0xD800 && u < 0xDC00 && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo < 0xE000 {
						b = utf8.AppendRune(b, 0x10000+(u-0xD800)<<10+(lo-0xDC00))
						continue
					}
					p.i = save
				}
				b = appendWTF8(b, u)
			default:
				return "", errJSSyntax
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, n := utf8.DecodeRune(p.s[p.i:])
			b = utf8.AppendRune(b, r) // invalid byte: U+FFFD
			p.i += n
		}
	}
	return "", errJSSyntax
}

func (p *jsParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// appendWTF8 appends r, which may be a lone surrogate, in UTF-8's 3-byte form.
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xD800 && r < 0xE000 {
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(b, r)
}
