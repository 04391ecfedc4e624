package textsafe

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

func TestClean(t *testing.T) {
	cases := map[string]string{
		"Alvarez, Maria":                  "Alvarez, Maria",
		"Ibáñez, Łukasz":                  "Ibáñez, Łukasz",
		"red\x1b[31mALERT\x1b[0m":         "redALERT",
		"title\x1b]0;pwned\x07done":       "titledone",
		"csi\u009b31mred":                 "csired",
		"bell\x07tab\tcr\rnl\nend":        "bell tab cr nl end",
		"bidi\u202eevil\u2066x\u2069":     "bidievilx",
		"alm\u061cx":                      "almx",
		"zero\u200bwidth\u200d\u2060j":    "zerowidthj",
		"soft\u00adhyphen":                "softhyphen",
		"cgj\u034fx":                      "cgjx",
		"hangul\u3164\u115f\u1160\uffa0":  "hangul",
		"tag\U000E0041\U000E007Fs":        "tags",
		"bom\ufeffx":                      "bomx",
		"line\u2028para\u2029end":         "line para end",
		"Nguyễn":                          "Nguyễn",
		"z\u0301\u0302\u0303\u0304\u0305": "z\u0301\u0302",
		"a\u0301\u200b\u0302\u0303":       "a\u0301\u0302", // a dropped character does not restart the count
		"bad utf8 \xff here":              "bad utf8 ? here",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Lines("one\ntwo\u2028three\r"); got != "one\ntwo three " {
		t.Errorf("Lines = %q", got)
	}
}

func TestStyled(t *testing.T) {
	in := "\x1b[1m>\x1b[m 100B a\u202eb\x1b]52;c;aGk=\x07\x1b[2Jc\x1b[31;1mred\x1b[0m"
	want := "\x1b[1m>\x1b[m 100B abc\x1b[31;1mred\x1b[0m"
	if got := Styled(in); got != want {
		t.Errorf("Styled = %q, want %q", got, want)
	}
	if got := FitStyled("\x1b[1mbold name\x1b[m", 6); got != "\x1b[1mbold \u2026\x1b[m" {
		t.Errorf("FitStyled = %q", got)
	}
}

func TestFit(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf" // 404 bytes
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"short.pdf", 20, "short.pdf"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"漢字漢字漢字", 5, "漢字…"},
		{"🇫🇷🇫🇷🇫🇷", 5, "🇫🇷🇫🇷…"},
		{"abc", 0, ""},
		{"a\u202eb\u200bc", 2, "a…"},
	} {
		if got := Fit(c.in, c.w); got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
	got := Fit(long, 30)
	if ansi.StringWidth(got) != 30 || !strings.HasSuffix(got, "…") {
		t.Errorf("Fit of a 404-byte name = %q (width %d)", got, ansi.StringWidth(got))
	}
}

// FuzzClean checks Clean, Lines and Fit against a model of what a terminal
// does with the result: no character that would move the cursor, change
// the direction or the state of the terminal, or draw nothing survives
// (only newlines, with Lines); no character carries more than MaxMarks
// combining marks; cleaning twice changes nothing; and Fit's result takes
// no more cells than asked, whether the terminal counts whole grapheme
// clusters or code points (wcwidth).
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Okafor, Ngozi", "\x1b]52;c;cGF5bG9hZA==\x07x", "\x1b[2J\x1b[31mred", "a\u009b2Jb\u202ec",
		"line\r\nnext\ttab", "\x1b", "\x1b]0;unterminated", "\x1bP dcs \x1b\\ after", "\xff\xfe", "é\u2028\u2029",
		"\u061c\u200b\u00ad\u034f\u3164\U000E0041", "Z\u0335\u0336\u0337\u0338\u0339", "🇫🇷👨‍👩‍👧漢字", "\u1100\u1161\u11a8",
		strings.Repeat("ñ", 130)} {
		f.Add(s, 12)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width % 300
		for _, keep := range []bool{false, true} {
			out := clean(s, keep)
			checkInert(t, s, out, keep)
			if again := clean(out, keep); again != out {
				t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
			}
		}
		fit := Fit(s, width)
		checkInert(t, s, fit, false)
		if width < 1 && fit != "" {
			t.Fatalf("Fit(%q, %d) = %q", s, width, fit)
		}
		if g, wc := ansi.StringWidth(fit), ansi.StringWidthWc(fit); width >= 1 && (g > width || wc > width) {
			t.Fatalf("Fit(%q, %d) = %q takes %d cells (graphemes) / %d (wcwidth)", s, width, fit, g, wc)
		}
		styled := FitStyled(Styled(s), width)
		for i := 0; i < len(styled); i++ {
			if styled[i] == 0x1b {
				j := EscapeEnd(styled, i)
				if !isSGR(styled[i:j]) {
					t.Fatalf("FitStyled(Styled(%q)) = %q keeps %q", s, styled, styled[i:j])
				}
				i = j - 1
			}
		}
		checkInert(t, s, ansi.Strip(styled), false)
		if g, wc := ansi.StringWidth(styled), ansi.StringWidthWc(styled); width >= 1 && (g > width || wc > width) {
			t.Fatalf("FitStyled(%q, %d) = %q takes %d / %d cells", s, width, styled, g, wc)
		}
	})
}

func checkInert(t *testing.T, in, out string, keepNewlines bool) {
	t.Helper()
	marks := 0
	for _, r := range out {
		if r == '\n' && keepNewlines {
			marks = 0
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || Dropped(r) || r == 0x2028 || r == 0x2029 {
			t.Fatalf("%q -> %q keeps %U", in, out, r)
		}
		if unicode.Is(unicode.M, r) {
			if marks++; marks > MaxMarks {
				t.Fatalf("%q -> %q keeps %d marks in a row", in, out, marks)
			}
		} else {
			marks = 0
		}
	}
	if !keepNewlines && strings.Contains(out, "\n") {
		t.Fatalf("%q -> %q keeps a newline", in, out)
	}
}
