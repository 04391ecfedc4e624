package theme

import (
	"strings"
	"unicode"
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
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b || r == 0x9b: // ESC or CSI: skip the whole sequence
			i = skipEscape(rs, i)
		case r == '\n' && keepNewlines:
			b.WriteRune('\n')
		case r == unicode.ReplacementChar:
			b.WriteRune('?')
		case unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || isBidi(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
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

// skipEscape returns the index of the last rune of the escape sequence that
// starts at i (CSI, OSC/DCS/APC/PM/SOS strings, or a two-rune escape).
func skipEscape(rs []rune, i int) int {
	if rs[i] == 0x9b {
		return skipCSI(rs, i+1)
	}
	if i+1 >= len(rs) {
		return i
	}
	switch rs[i+1] {
	case '[':
		return skipCSI(rs, i+2)
	case ']', 'P', '_', '^', 'X': // string sequences end with BEL or ST
		for j := i + 2; j < len(rs); j++ {
			if rs[j] == 0x07 {
				return j
			}
			if rs[j] == 0x1b && j+1 < len(rs) && rs[j+1] == '\\' {
				return j + 1
			}
		}
		return len(rs) - 1
	}
	return i + 1
}

func skipCSI(rs []rune, j int) int {
	for ; j < len(rs); j++ {
		if rs[j] >= 0x40 && rs[j] <= 0x7e {
			return j
		}
	}
	return len(rs) - 1
}
