package search

import "unicode/utf8"

// Folding for search: accented Latin letters are matched by their unaccented
// form ("Álvarez" is found by "alvarez"). The index keeps a folded copy of
// every Entry.Text; match positions found in the folded copy are mapped back
// to byte offsets of the original Text (see mapPositions).
//
// Folding keeps case (the scorer's camel-case bonus needs it) and maps each
// rune to one or two ASCII bytes, or keeps the rune as it is. After folding no
// remaining non-ASCII rune case-folds to an ASCII letter, so ASCII and
// non-ASCII characters never match each other.

// latin1 maps U+00C0..U+00FF; 0 means "special or kept".
const latin1 = "AAAAAA\x00CEEEEIIIIDNOOOOO\x00OUUUUY\x00\x00" +
	"aaaaaa\x00ceeeeiiiidnooooo\x00ouuuuy\x00y"

// latinExtA maps U+0100..U+017F; 0 means "special".
const latinExtA = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi\x00\x00JjKkkLlLlLlLlLl" +
	"NnNnNnnNnOoOoOo\x00\x00RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs"

// foldRune returns the ASCII replacement of r, or "" to keep r.
func foldRune(r rune) string {
	switch {
	case r < 0xC0:
		return ""
	case r <= 0xFF:
		if c := latin1[r-0xC0]; c != 0 {
			return asciiBytes[c : c+1]
		}
		switch r {
		case 'Æ':
			return "AE"
		case 'æ':
			return "ae"
		case 'ß':
			return "ss"
		}
		return ""
	case r <= 0x17F:
		if c := latinExtA[r-0x100]; c != 0 {
			return asciiBytes[c : c+1]
		}
		switch r {
		case 'Ĳ':
			return "IJ"
		case 'ĳ':
			return "ij"
		case 'Œ':
			return "OE"
		case 'œ':
			return "oe"
		}
		return ""
	case r == 0x212A: // Kelvin sign: case-folds to k
		return "K"
	case r == 0x212B: // Angstrom sign
		return "A"
	}
	return ""
}

// asciiBytes lets foldRune return one-byte strings without allocating.
const asciiBytes = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f" +
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f"

// appendFold appends the folded form of s to dst. Like sahilm/fuzzy, the
// text ends at its first NUL.
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			break
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if f := foldRune(r); f != "" {
			dst = append(dst, f...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// normQuery folds a query and lowers its ASCII letters (matching is
// case-insensitive, so lowering changes neither matches nor scores). NULs
// are dropped.
func normQuery(q string) string {
	b := make([]byte, 0, len(q))
	for i := 0; i < len(q); {
		c := q[i]
		if c < utf8.RuneSelf {
			if c != 0 {
				b = append(b, lowerASCII[c])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(q[i:])
		if f := foldRune(r); f != "" {
			for j := 0; j < len(f); j++ {
				b = append(b, lowerASCII[f[j]])
			}
		} else {
			b = append(b, q[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// mapPositions converts ascending byte offsets into the folded form of
// text (as appendFold produced it) into byte offsets into text itself. A
// position inside the expansion of one rune ("ß" → "ss") maps to that rune.
func mapPositions(text string, folded []int) []int {
	out := make([]int, 0, len(folded))
	fo, k := 0, 0 // offset in the folded form; next position to map
	for i := 0; i < len(text) && k < len(folded); {
		c := text[i]
		size, fsize := 1, 1
		if c >= utf8.RuneSelf {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			fsize = size
			if f := foldRune(r); f != "" {
				fsize = len(f)
			}
		}
		for k < len(folded) && folded[k] < fo+fsize {
			out = append(out, i)
			k++
		}
		fo += fsize
		i += size
	}
	return out
}
