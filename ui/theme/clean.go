package theme

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text that came from Cobalt, the directory, a file name or a
// draft safe to draw: ANSI escape sequences are removed, and every other
// control character (including CR, tabs and newlines unless keepNewlines)
// becomes a space, so no outside text can move the cursor, recolour or
// clear the screen. Use it on every such string before rendering.
func Clean(s string) string { return clean(s, false) }

// CleanLines is Clean that keeps newlines (for multi-line reasons).
func CleanLines(s string) string { return clean(s, true) }

func clean(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || r == 0x9b: // ESC or CSI: skip the whole sequence
			i = EscapeEnd(s, i)
			continue
		case r == '\n' && keepNewlines:
			b.WriteRune('\n')
		case r == utf8.RuneError:
			b.WriteRune('?')
		case unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || isBidi(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
		i += w
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only (the common case).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isBidi reports bidirectional overrides, which can reorder what is shown.
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

// EscapeEnd returns the byte index just past the escape sequence that
// starts at s[i] (ESC, or the one-character CSI U+009B): a CSI sequence, an
// OSC/DCS/APC/PM/SOS string (ended by BEL or ST), or a two-character
// escape. An unterminated sequence runs to the end of s.
func EscapeEnd(s string, i int) int {
	r, w := utf8.DecodeRuneInString(s[i:])
	j := i + w
	if r == 0x9b {
		return csiEnd(s, j)
	}
	if j >= len(s) {
		return j
	}
	switch s[j] {
	case '[':
		return csiEnd(s, j+1)
	case ']', 'P', '_', '^', 'X':
		for k := j + 1; k < len(s); k++ {
			if s[k] == 0x07 {
				return k + 1
			}
			if s[k] == 0x1b && k+1 < len(s) && s[k+1] == '\\' {
				return k + 2
			}
		}
		return len(s)
	}
	_, w = utf8.DecodeRuneInString(s[j:])
	return j + w
}

// csiEnd is the index just past the final byte (0x40-0x7e) of a CSI
// sequence whose parameters start at j.
func csiEnd(s string, j int) int {
	for ; j < len(s); j++ {
		if s[j] >= 0x40 && s[j] <= 0x7e {
			return j + 1
		}
	}
	return len(s)
}
