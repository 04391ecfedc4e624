// Package textsafe makes text from outside (Cobalt, the directory, file
// names, drafts, SSH user names and key comments) safe to show: on a
// terminal screen, in the `refdesk referrals` table and CSV, in the log.
//
// After Clean, text holds no escape sequence, no control character (C0, C1,
// DEL), no format character (Unicode category Cf: bidirectional controls
// such as U+202E and U+061C, zero-width characters, the soft hyphen, tag
// characters), no other default-ignorable character (the combining grapheme
// joiner U+034F, Hangul fillers, variation selectors), no line or paragraph
// separator (U+2028, U+2029) and no run of more than MaxMarks combining
// marks. What is left is drawn by a terminal as it is measured, so Fit can
// keep it inside a frame. It is one package so every output uses the same
// rules; ui/theme.Clean calls it.
package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// MaxMarks is the longest run of combining marks kept on one character:
// enough for any real name (Vietnamese stacks two), too few to draw a tower
// over the lines above ("Zalgo" text).
const MaxMarks = 2

// Clean returns s safe to show on one line: escape sequences removed,
// control characters and line separators (tabs, newlines, CR, U+2028 and
// U+2029) turned into spaces, invisible characters (see Dropped) removed,
// combining-mark runs capped at MaxMarks, and bytes that are not UTF-8
// shown as '?'.
func Clean(s string) string { return clean(s, false) }

// Lines is Clean that keeps newlines, for multi-line text such as a
// referral's reason.
func Lines(s string) string { return clean(s, true) }

// Styled is Clean for a line that a widget has already styled around
// outside text (bubbles' file picker writes file names as they are): SGR
// sequences (ESC [ digits, ';' and ':' then m: colours, bold, reset) are
// kept, every other escape sequence is removed and the text between is
// cleaned as Clean does. A name can still carry an SGR sequence of its
// own, which can only restyle its own line.
func Styled(s string) string { return cleanStyled(s, false, true) }

// FitStyled cuts a Styled line to at most width cells (counted as Fit
// counts them; SGR sequences take none), ending in "…" and a style reset
// when it was cut.
func FitStyled(s string, width int) string {
	if width < 1 {
		return ""
	}
	if styledWidth(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := EscapeEnd(s, i)
			b.WriteString(s[i:j])
			i = j
			continue
		}
		cluster, w := cell(s[i:])
		if used+w > width-1 {
			break
		}
		b.WriteString(cluster)
		used += w
		i += len(cluster)
	}
	b.WriteString("…\x1b[m")
	return b.String()
}

// styledWidth is Width for a line holding SGR sequences.
func styledWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = EscapeEnd(s, i)
			continue
		}
		cluster, w := cell(s[i:])
		n += w
		i += len(cluster)
	}
	return n
}

// isSGR reports whether seq is ESC [ params m with digits, ';' and ':' only.
func isSGR(seq string) bool {
	if len(seq) < 3 || seq[0] != 0x1b || seq[1] != '[' || seq[len(seq)-1] != 'm' {
		return false
	}
	for i := 2; i < len(seq)-1; i++ {
		if c := seq[i]; (c < '0' || c > '9') && c != ';' && c != ':' {
			return false
		}
	}
	return true
}

// Fit returns Clean(s) cut to at most width terminal cells, ending in "…"
// when it was cut. A width below 1 gives "". Each character is counted at
// the larger of its two usual widths, as a whole grapheme cluster (what
// lipgloss and modern terminals measure) and as the sum of its code points
// (wcwidth, what older terminals draw), so the result stays inside its frame
// whichever the client's terminal uses.
func Fit(s string, width int) string {
	if width < 1 {
		return ""
	}
	s = Clean(s)
	if Width(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	for rest := s; rest != ""; {
		cluster, w := cell(rest)
		if used+w > width-1 { // keep a cell for the ellipsis
			break
		}
		b.WriteString(cluster)
		used += w
		rest = rest[len(cluster):]
	}
	b.WriteString("…")
	return b.String()
}

// Width is the number of terminal cells s takes at most, counted as Fit
// counts them. s must have been cleaned (it holds no escape sequence).
func Width(s string) int {
	n := 0
	for s != "" {
		cluster, w := cell(s)
		n += w
		s = s[len(cluster):]
	}
	return n
}

// cell returns the first grapheme cluster of s and the larger of its two
// widths.
func cell(s string) (string, int) {
	cluster, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	if cluster == "" { // cannot happen for a non-empty string; never loop
		_, n := utf8.DecodeRuneInString(s)
		cluster = s[:n]
	}
	return cluster, max(w, ansi.StringWidthWc(cluster))
}

func clean(s string, keepNewlines bool) string { return cleanStyled(s, keepNewlines, false) }

func cleanStyled(s string, keepNewlines, keepSGR bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	marks := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || r == 0x9b: // ESC or CSI: skip the whole sequence
			j := EscapeEnd(s, i)
			if keepSGR && isSGR(s[i:j]) {
				b.WriteString(s[i:j])
			}
			i = j
			continue
		case r == utf8.RuneError && w <= 1:
			b.WriteByte('?')
			marks = 0
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
			marks = 0
		case unicode.IsControl(r) || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
			marks = 0
		case Dropped(r):
		case isMark(r):
			if marks < MaxMarks {
				b.WriteRune(r)
			}
			marks++
		default:
			b.WriteRune(r)
			marks = 0
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

// isMark reports combining marks (Unicode M: Mn, Mc, Me).
func isMark(r rune) bool { return r >= 0x300 && unicode.Is(unicode.M, r) }

// Dropped reports the characters Clean removes because a terminal draws
// them as nothing, or as something other than what they are: format
// characters (Cf: bidirectional controls, U+061C, zero-width space and
// joiners, soft hyphen, word joiner, BOM, interlinear annotations, tag
// characters), and the other default-ignorable characters that are not
// Cf: the combining grapheme joiner U+034F, the Hangul fillers U+115F,
// U+1160, U+3164 and U+FFA0, Khmer's inherent vowels U+17B4-U+17B5,
// Mongolian and general variation selectors, and the noncharacters
// U+FFFE and U+FFFF.
func Dropped(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r):
		return true
	case r == 0x034f, r == 0x115f, r == 0x1160, r == 0x17b4, r == 0x17b5, r == 0x3164, r == 0xffa0,
		r == 0xfffe, r == 0xffff:
		return true
	case r >= 0x180b && r <= 0x180f, r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0000 && r <= 0xe0fff:
		return true
	}
	return false
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
