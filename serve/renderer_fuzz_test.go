package serve

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// grid is the little of a terminal the line renderer relies on: a grid of
// cells, the cursor, CUP, EL, ED 2, and printing (a wide character takes two
// cells). Styles, modes and titles are parsed and ignored. It records
// anything the renderer must never do: print past the right edge (the
// terminal would wrap, and every row below would be off by one) or move
// outside the screen.
type grid struct {
	w, h   int
	cells  [][]string // "" is the right half of a wide character
	x, y   int
	faults []string
}

func newGrid(w, h int) *grid {
	t := &grid{w: w, h: h}
	t.clear()
	return t
}

func (t *grid) clear() {
	t.cells = make([][]string, t.h)
	for y := range t.cells {
		t.cells[y] = make([]string, t.w)
		for x := range t.cells[y] {
			t.cells[y][x] = " "
		}
	}
}

// feed interprets out, the renderer's bytes.
func (t *grid) feed(out string) {
	for i := 0; i < len(out); {
		if out[i] == 0x1b {
			i = t.escape(out, i)
			continue
		}
		// One grapheme cluster at a time, with the width the renderer
		// itself uses (terminals differ on some clusters; the renderer can
		// only be as right as its width table).
		g, wd := ansi.FirstGraphemeCluster(out[i:], ansi.GraphemeWidth)
		i += len(g)
		if wd == 0 {
			continue
		}
		if t.x+wd > t.w || t.y >= t.h {
			t.faults = append(t.faults, "printed "+strconv.Quote(g)+" past the edge at row "+strconv.Itoa(t.y+1))
			return
		}
		t.cells[t.y][t.x] = g
		if wd == 2 {
			t.cells[t.y][t.x+1] = ""
		}
		t.x += wd
	}
}

func (t *grid) escape(s string, i int) int {
	if i+1 >= len(s) {
		return len(s)
	}
	switch s[i+1] {
	case ']': // OSC: the title
		end := strings.IndexByte(s[i:], 0x07)
		if end < 0 {
			t.faults = append(t.faults, "unterminated OSC")
			return len(s)
		}
		return i + end + 1
	case '[':
	default:
		return i + 2
	}
	j := i + 2
	for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
		j++
	}
	if j >= len(s) {
		t.faults = append(t.faults, "unterminated CSI")
		return len(s)
	}
	params, final := s[i+2:j], s[j]
	switch {
	case strings.HasPrefix(params, "?"), final == 'm': // modes, styles
	case final == 'H':
		row, col := 1, 1
		if params != "" {
			a, b, _ := strings.Cut(params, ";")
			row, _ = strconv.Atoi(a)
			col, _ = strconv.Atoi(b)
		}
		if row < 1 || row > t.h || col < 1 || col > t.w {
			t.faults = append(t.faults, "cursor moved to "+params)
		}
		t.y, t.x = row-1, col-1
	case final == 'K' && params == "":
		for x := t.x; x < t.w && t.y < t.h; x++ {
			t.cells[t.y][x] = " "
		}
	case final == 'J' && params == "2":
		t.clear()
	default:
		t.faults = append(t.faults, "unexpected sequence "+strconv.Quote(s[i:j+1]))
	}
	return j + 1
}

func (t *grid) row(y int) string { return strings.TrimRight(strings.Join(t.cells[y], ""), " ") }

// want is what row y of a w-wide screen shows for frame: the line cut to
// the window as styled (a style change between a letter and a spacing mark
// splits their cluster, so widths are taken with the styles in place).
func want(frame string, y, w int) string {
	lines := strings.Split(frame, "\n")
	if y >= len(lines) {
		return ""
	}
	return strings.TrimRight(ansi.Strip(ansi.Truncate(lines[y], w, "")), " ")
}

// frameFrom turns fuzz text into a frame the desk could draw: printable
// text and newlines, with \x01 and \x02 standing for a colour and a reset
// (the desk's text is cleaned of every other control).
func frameFrom(s string) string {
	s = strings.ToValidUTF8(s, "?")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == 1:
			b.WriteString("\x1b[1;38;2;255;0;0m")
		case r == 2:
			b.WriteString("\x1b[m")
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			b.WriteByte(' ')
		case ansi.StringWidth(string(r)) == 0:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkFrames paints each frame (with the sizes given) and checks that a
// terminal fed the renderer's output shows exactly that frame, cut to the
// window.
func checkFrames(t *testing.T, frames []string, sizes [][2]int) {
	t.Helper()
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, sizes[0][0], sizes[0][1])
	tm := newGrid(sizes[0][0], sizes[0][1])
	n := 0
	for k, f := range frames {
		w, h := sizes[k][0], sizes[k][1]
		if w != tm.w || h != tm.h {
			r.resize(w, h)
			tm.w, tm.h = w, h
			tm.clear() // the client's screen after a resize: the renderer clears it anyway
		}
		r.set(tea.NewView(f))
		r.paint()
		tm.feed(out.since(n))
		n = out.count()
		if len(tm.faults) > 0 {
			t.Fatalf("frame %d (%dx%d): %v", k, w, h, tm.faults)
		}
		for y := range h {
			if got, exp := tm.row(y), want(f, y, w); got != exp {
				t.Fatalf("frame %d (%dx%d) row %d:\n got %q\nwant %q\nframe %q", k, w, h, y+1, got, exp, f)
			}
		}
	}
}

func TestLineRendererReproducesFrames(t *testing.T) {
	checkFrames(t, []string{
		"header\n\x1b[1mrow one\x1b[m\nrow two\nfooter",
		"header\nrow one changed\nrow two\nfooter",
		"日本語のテキスト\nrow one changed",
		"a line much longer than the window is wide, cut\nx",
		"",
		"back\n\n\nafter blanks",
	}, [][2]int{{20, 5}, {20, 5}, {20, 5}, {12, 3}, {12, 3}, {30, 6}})
}

// FuzzLineRenderer: for any two frames and sizes, the terminal shows each
// frame exactly (cut to the window), the cursor never leaves the screen
// and nothing is printed past the right edge.
func FuzzLineRenderer(f *testing.F) {
	f.Add("header\n\x01red\x02 row\nfooter", "header\nchanged row\nfooter", uint8(20), uint8(4), uint8(20), uint8(4))
	f.Add("日本語\nwide", "日本語x\nwide", uint8(5), uint8(2), uint8(6), uint8(3))
	f.Add("", "a\n\n\nb", uint8(1), uint8(1), uint8(3), uint8(5))
	f.Fuzz(func(t *testing.T, a, b string, w1, h1, w2, h2 uint8) {
		w1, h1, w2, h2 = max(w1%80, 1), max(h1%30, 1), max(w2%80, 1), max(h2%30, 1)
		checkFrames(t, []string{frameFrom(a), frameFrom(b), frameFrom(a)},
			[][2]int{{int(w1), int(h1)}, {int(w2), int(h2)}, {int(w2), int(h2)}})
	})
}
