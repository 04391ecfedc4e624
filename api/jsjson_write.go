package api

// The writing half of JSStringify: JSON.stringify's output rules (see
// jsjson.go for the list).

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func appendJSValue(b []byte, v jsValue) []byte {
	switch v.kind {
	case jsNull:
		return append(b, "null"...)
	case jsBool:
		return strconv.AppendBool(b, v.b)
	case jsNumber:
		return appendJSNumber(b, v.num)
	case jsString:
		return appendJSString(b, v.str)
	case jsArray:
		b = append(b, '[')
		for i, e := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSValue(b, e)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, k := range jsKeyOrder(v.obj) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSKey(b, v.obj.keys[k])
		b = append(b, ':')
		b = appendJSValue(b, v.obj.vals[k])
	}
	return append(b, '}')
}

// jsKeyOrder lists o's key positions in JavaScript's property order.
func jsKeyOrder(o *jsObj) []int {
	var idx, rest []int
	for i, k := range o.keys {
		if _, ok := arrayIndex(k); ok {
			idx = append(idx, i)
		} else {
			rest = append(rest, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, _ := arrayIndex(o.keys[a])
		y, _ := arrayIndex(o.keys[b])
		return int(int64(x) - int64(y))
	})
	return append(idx, rest...)
}

// arrayIndex reports whether k is a canonical array index (0..2^32-2).
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n > math.MaxUint32-1 {
		return 0, false
	}
	return uint32(n), true
}

const lowerHex = "0123456789abcdef"

// appendJSString quotes a checked string literal's body (see jsParser.str)
// as JSON.stringify does.
func appendJSString(b, raw []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(raw); {
		var r rune
		r, i = nextJSUnit(raw, i)
		b = appendJSRune(b, r)
	}
	return append(b, '"')
}

// appendJSKey quotes a decoded (WTF-8) key as JSON.stringify does.
func appendJSKey(b []byte, k string) []byte {
	b = append(b, '"')
	for i := 0; i < len(k); {
		c := k[i]
		if c == 0xED && i+2 < len(k) && k[i+1] >= 0xA0 { // lone surrogate
			b = appendJSRune(b, rune(c&0x0F)<<12|rune(k[i+1]&0x3F)<<6|rune(k[i+2]&0x3F))
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(k[i:])
		b = appendJSRune(b, r)
		i += n
	}
	return append(b, '"')
}

// appendJSRune writes one character (or lone surrogate) of a string as
// JSON.stringify does: " and \ escaped, \b \f \n \r \t, other controls
// and lone surrogates as lower-case \uxxxx, everything else literal.
func appendJSRune(b []byte, r rune) []byte {
	switch {
	case r == '"' || r == '\\':
		return append(b, '\\', byte(r))
	case r == '\b':
		return append(b, `\b`...)
	case r == '\f':
		return append(b, `\f`...)
	case r == '\n':
		return append(b, `\n`...)
	case r == '\r':
		return append(b, `\r`...)
	case r == '\t':
		return append(b, `\t`...)
	case r < 0x20 || (r >= 0xD800 && r < 0xE000):
		return append(b, '\\', 'u', lowerHex[r>>12], lowerHex[r>>8&0xF], lowerHex[r>>4&0xF], lowerHex[r&0xF])
	case r < utf8.RuneSelf:
		return append(b, byte(r))
	}
	return utf8.AppendRune(b, r)
}

// appendJSNumber writes f as Number::toString(f) (radix 10), or null for
// a non-finite value as JSON.stringify does.
func appendJSNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(b, "null"...)
	case f == 0:
		return append(b, '0') // -0 too
	case f < 0:
		b = append(b, '-')
		f = -f
	}
	// Shortest round-trip digits s (k of them) and exponent: f = 0.s × 10^n.
	e := strconv.FormatFloat(f, 'e', -1, 64) // d[.ddd]e±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		b = append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, digits[1:]...)
		}
		b = append(b, 'e')
		if n-1 > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}
