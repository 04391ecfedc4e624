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
// Cost: at most MaxJSONValues values are parsed (a Cobalt event has about
// 20), so a forged body of a million `{}` costs a few kilobytes of tree
// before it is refused; strings without escapes are not copied, and the
// output is at most a small multiple of the input.
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

// MaxJSONValues bounds the JSON values (objects, arrays, strings, numbers,
// literals) JSStringify parses in one body: a Cobalt event has about 20, and
// a tree node costs far more than the bytes that spell it (`{},` is three
// bytes), so without a bound 1 MB of `[{},{},…]` would cost hundreds of MB.
const MaxJSONValues = 512

var (
	errJSSyntax     = errors.New("invalid JSON")
	errJSTooManyVal = errors.New("JSON has too many values to canonicalise")
)

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
	str  []byte // a string literal's body, still escaped (a slice of the source)
	arr  []jsValue
	obj  *jsObj
}

type jsObj struct {
	keys []string
	vals []jsValue
	pos  map[string]int // built once an object has more than smallObj keys
}

// smallObj is how many keys an object holds before set indexes them in a
// map instead of scanning: most objects are small, and a map per empty
// object would cost more than the bytes that spell it.
const smallObj = 16

func (o *jsObj) set(k string, v jsValue) {
	if i, ok := o.find(k); ok {
		o.vals[i] = v
		return
	}
	if o.pos != nil {
		o.pos[k] = len(o.keys)
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	if o.pos == nil && len(o.keys) > smallObj {
		o.pos = make(map[string]int, 2*len(o.keys))
		for i, k := range o.keys {
			o.pos[k] = i
		}
	}
}

func (o *jsObj) find(k string) (int, bool) {
	if o.pos != nil {
		i, ok := o.pos[k]
		return i, ok
	}
	for i, have := range o.keys {
		if have == k {
			return i, true
		}
	}
	return 0, false
}

// JSStringify returns JSON.stringify(JSON.parse(src)) as JavaScript (V8)
// computes it, or an error when JSON.parse would throw or src holds more
// than MaxJSONValues values.
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
	s      []byte
	i      int
	values int
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
	if p.values++; p.values > MaxJSONValues {
		return jsValue{}, errJSTooManyVal
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
	o := &jsObj{}
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
		o.set(decodeJS(k), v)
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

// str checks a string literal and returns its body between the quotes,
// still escaped, as a slice of the source: nothing is decoded or copied
// until it is written (nextJSUnit).
func (p *jsParser) str() ([]byte, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return p.s[start : p.i-1 : p.i-1], nil
		case c < 0x20:
			return nil, errJSSyntax
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return nil, errJSSyntax
			}
			p.i += 2
			switch p.s[p.i-1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := hex4(p.s[p.i:]); !ok {
					return nil, errJSSyntax
				}
				p.i += 4
			default:
				return nil, errJSSyntax
			}
		default:
			p.i++
		}
	}
	return nil, errJSSyntax
}

// nextJSUnit decodes the character at raw[i] of a checked string literal's
// body (see str) and returns it with the index after it: a code point, a
// lone surrogate (0xD800-0xDFFF, as JavaScript keeps it), or U+FFFD for a
// byte of invalid UTF-8.
func nextJSUnit(raw []byte, i int) (rune, int) {
	if raw[i] != '\\' {
		r, n := utf8.DecodeRune(raw[i:])
		return r, i + n
	}
	e := raw[i+1]
	i += 2
	switch e {
	case 'b':
		return '\b', i
	case 'f':
		return '\f', i
	case 'n':
		return '\n', i
	case 'r':
		return '\r', i
	case 't':
		return '\t', i
	case 'u':
		u, _ := hex4(raw[i:])
		i += 4
		if u >= 0xD800 && u < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			if lo, ok := hex4(raw[i+2:]); ok && lo >= 0xDC00 && lo < 0xE000 {
				return 0x10000 + (u-0xD800)<<10 + (lo - 0xDC00), i + 6
			}
		}
		return u, i
	}
	return rune(e), i // " \\ /
}

// decodeJS decodes a checked string literal's body into WTF-8.
func decodeJS(raw []byte) string {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		var r rune
		r, i = nextJSUnit(raw, i)
		b = appendWTF8(b, r)
	}
	return string(b)
}

// hex4 reads four hex digits at the start of s.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var n rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | rune(c)
	}
	return n, true
}

// appendWTF8 appends r, which may be a lone surrogate, in UTF-8's 3-byte form.
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xD800 && r < 0xE000 {
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(b, r)
}
