package theme

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzClean: whatever comes from outside, the cleaned text has no escape,
// control (newlines only with CleanLines), C1 or bidi-override character,
// and cleaning again changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Okafor, Ngozi", "\x1b]52;c;cGF5bG9hZA==\x07x", "\x1b[2J\x1b[31mred", "a\u009b2Jb\u202ec",
		"line\r\nnext\ttab", "\x1b", "\x1b]0;unterminated", "\x1bP dcs \x1b\\ after", "\xff\xfe", "é\u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			out := clean(s, keep)
			for _, r := range out {
				if r == '\n' && keep {
					continue
				}
				if unicode.IsControl(r) || isBidi(r) || r == 0x2028 || r == 0x2029 || r == unicode.ReplacementChar {
					t.Fatalf("clean(%q, %v) = %q keeps %U", s, keep, out, r)
				}
			}
			if again := clean(out, keep); again != out {
				t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
			}
			if !keep && strings.Contains(out, "\n") {
				t.Fatalf("Clean kept a newline: %q", out)
			}
		}
	})
}
