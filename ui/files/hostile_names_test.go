package files

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// File names are the uploader's text (issue 19, finding 6): in the open
// picker and in the chosen list, a 255-byte name, escape sequences, format
// characters, line separators and combining-mark floods stay inert and
// inside the frame, whether the client's terminal counts widths by
// grapheme or by code point.
func TestHostileFileNamesStayInTheirFrame(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		strings.Repeat("é", 125) + ".pdf", // 254 bytes
		"a\u202eb\u061cc\u200bd\u00ade\u034ff\u3164g\U000E0041h.pdf",
		"z" + strings.Repeat("\u0301", 80) + ".pdf",
		"x\u2028y\u2029z\x1b]52;c;aGk=\x07\x1b[2J.pdf",
		"two\nlines\r\tand\vmore\x7f.pdf",
		strings.Repeat("漢", 83) + ".pdf", // 253 bytes
	}
	for _, n := range names {
		write(t, filepath.Join(dir, n), 100)
	}
	h := newHarness(t, dir, true)
	const width = 60
	check := func(what, view string) {
		t.Helper()
		for _, line := range strings.Split(view, "\n") {
			if g, wc := ansi.StringWidth(line), ansi.StringWidthWc(line); g > width || wc > width {
				t.Errorf("%s: a line takes %d/%d cells in a %d-cell frame: %q", what, g, wc, width, line)
			}
			plain := ansi.Strip(line)
			for _, r := range plain {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0x202e ||
					r == 0x061c || r == 0x200b || r == 0xad || r == 0x34f || r == 0x3164 || r == 0xe0041 {
					t.Errorf("%s: %U reaches the screen in %q", what, r, plain)
				}
			}
			if strings.Count(plain, "\u0301") > 2 {
				t.Errorf("%s: a combining-mark flood reaches the screen", what)
			}
			if strings.Contains(line, "\x1b]") || strings.Contains(line, "\x1b[2J") {
				t.Errorf("%s: an escape sequence from a file name reaches the screen: %q", what, line)
			}
		}
	}
	h.d.Press("a")
	check("picker", h.m.View(width, true))
	for _, n := range names {
		h.choose(n)
	}
	if len(h.m.docs) != len(names) {
		t.Fatalf("%d documents chosen, want %d", len(h.m.docs), len(names))
	}
	check("chosen", h.m.View(width, true))
}
