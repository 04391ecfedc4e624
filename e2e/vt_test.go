package e2e

import (
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
)

// vt is a small terminal emulator: enough of xterm to rebuild the screen
// that Bubble Tea's renderer (ultraviolet) draws with cursor moves, erases,
// scrolls and repeats, so an SSH test reads the screen a person sees rather
// than the diff bytes that happen to be sent. Colours and styles are
// dropped; only characters are kept. It is safe for one writer and many
// readers.
type vt struct {
	mu       sync.Mutex
	w, h     int
	cells    [][]rune // h rows of w runes; 0 marks the tail of a wide rune
	dirty    []bool   // rows written since the last ChangedRows
	x, y     int
	wrapNext bool // the last print filled the last column (xterm's pending wrap)
	top, bot int  // scroll region, inclusive rows
	savedX   int
	savedY   int
	p        *ansi.Parser
	lastRune rune
}

func newVT(w, h int) *vt {
	v := &vt{w: w, h: h, top: 0, bot: h - 1}
	v.cells, v.dirty = make([][]rune, h), make([]bool, h)
	for i := range v.cells {
		v.cells[i] = blankRow(w)
	}
	v.p = ansi.NewParser()
	v.p.SetHandler(ansi.Handler{
		Print:     v.print,
		Execute:   v.execute,
		HandleCsi: v.csi,
		HandleEsc: v.esc,
	})
	return v
}

func blankRow(w int) []rune {
	r := make([]rune, w)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// Write feeds the terminal the bytes the program sent.
func (v *vt) Write(b []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p.Parse(b)
	return len(b), nil
}

// Screen is the screen as text, one line per row, trailing spaces trimmed.
func (v *vt) Screen() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var b strings.Builder
	for i, row := range v.cells {
		var line strings.Builder
		for _, r := range row {
			if r != 0 {
				line.WriteRune(r)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		if i < len(v.cells)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// ChangedRows calls f with the text of each row written since the last
// call (cheaper than Screen when a test watches for new text).
func (v *vt) ChangedRows(f func(row string)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, d := range v.dirty {
		if d {
			v.dirty[i] = false
			f(string(v.cells[i]))
		}
	}
}

// touch marks rows a..b (inclusive) as changed.
func (v *vt) touch(a, b int) {
	for i := max(a, 0); i <= min(b, v.h-1); i++ {
		v.dirty[i] = true
	}
}

func (v *vt) clampCursor() {
	v.x = min(max(v.x, 0), v.w-1)
	v.y = min(max(v.y, 0), v.h-1)
	v.wrapNext = false
}

func (v *vt) print(r rune) {
	wd := ansi.StringWidth(string(r))
	if wd == 0 {
		return // combining marks: the base rune is enough for tests
	}
	if v.wrapNext {
		v.x = 0
		v.lineFeed()
	}
	if v.x+wd > v.w {
		v.x = 0
		v.lineFeed()
	}
	v.cells[v.y][v.x] = r
	v.dirty[v.y] = true
	if wd == 2 && v.x+1 < v.w {
		v.cells[v.y][v.x+1] = 0
	}
	v.lastRune = r
	v.x += wd
	if v.x >= v.w {
		v.x = v.w - 1
		v.wrapNext = true
	}
}

func (v *vt) execute(b byte) {
	switch b {
	case '\r':
		v.x, v.wrapNext = 0, false
	case '\n', '\v', '\f':
		v.wrapNext = false
		v.lineFeed()
	case '\b':
		if v.x > 0 {
			v.x--
		}
		v.wrapNext = false
	case '\t':
		v.x = min((v.x/8+1)*8, v.w-1)
	}
}

// lineFeed moves down a row, scrolling the region at its bottom.
func (v *vt) lineFeed() {
	if v.y == v.bot {
		v.scrollUp(1)
		return
	}
	if v.y < v.h-1 {
		v.y++
	}
}

func (v *vt) scrollUp(n int) {
	v.touch(v.top, v.bot)
	for ; n > 0; n-- {
		copy(v.cells[v.top:v.bot], v.cells[v.top+1:v.bot+1])
		v.cells[v.bot] = blankRow(v.w)
	}
}

func (v *vt) scrollDown(n int) {
	v.touch(v.top, v.bot)
	for ; n > 0; n-- {
		copy(v.cells[v.top+1:v.bot+1], v.cells[v.top:v.bot])
		v.cells[v.top] = blankRow(v.w)
	}
}

func (v *vt) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return // charset designations and the like
	}
	switch cmd.Final() {
	case 'M': // reverse index
		if v.y == v.top {
			v.scrollDown(1)
		} else if v.y > 0 {
			v.y--
		}
	case 'D':
		v.lineFeed()
	case 'E':
		v.x = 0
		v.lineFeed()
	case '7':
		v.savedX, v.savedY = v.x, v.y
	case '8':
		v.x, v.y = v.savedX, v.savedY
		v.clampCursor()
	case 'c': // full reset
		for i := range v.cells {
			v.cells[i] = blankRow(v.w)
		}
		v.x, v.y, v.top, v.bot, v.wrapNext = 0, 0, 0, v.h-1, false
	}
}

func (v *vt) erase(row, from, to int) {
	v.dirty[row] = true
	for i := max(from, 0); i < min(to, v.w); i++ {
		v.cells[row][i] = ' '
	}
}

func (v *vt) csi(cmd ansi.Cmd, params ansi.Params) {
	n := func(i, def int) int {
		p, _, _ := params.Param(i, def)
		if p <= 0 {
			return def
		}
		return p
	}
	if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
		if cmd.Prefix() == '?' && (cmd.Final() == 'h' || cmd.Final() == 'l') {
			if p, _, _ := params.Param(0, 0); p == 1049 || p == 47 || p == 1047 {
				for i := range v.cells {
					v.cells[i] = blankRow(v.w)
				}
			}
		}
		return // private modes, queries, cursor style: nothing on screen
	}
	switch cmd.Final() {
	case 'H', 'f':
		v.y, v.x = n(0, 1)-1, n(1, 1)-1
	case 'A':
		v.y -= n(0, 1)
	case 'B':
		v.y += n(0, 1)
	case 'C':
		v.x += n(0, 1)
	case 'D':
		v.x -= n(0, 1)
	case 'E':
		v.y, v.x = v.y+n(0, 1), 0
	case 'F':
		v.y, v.x = v.y-n(0, 1), 0
	case 'G', '`':
		v.x = n(0, 1) - 1
	case 'd':
		v.y = n(0, 1) - 1
	case 'I':
		v.x = (v.x/8 + n(0, 1)) * 8
	case 'Z':
		v.x = max(0, (v.x-1)/8-n(0, 1)+1) * 8
	case 'K':
		switch p, _, _ := params.Param(0, 0); p {
		case 0:
			v.erase(v.y, v.x, v.w)
		case 1:
			v.erase(v.y, 0, v.x+1)
		case 2:
			v.erase(v.y, 0, v.w)
		}
		return
	case 'J':
		switch p, _, _ := params.Param(0, 0); p {
		case 0:
			v.erase(v.y, v.x, v.w)
			for r := v.y + 1; r < v.h; r++ {
				v.cells[r] = blankRow(v.w)
			}
		case 1:
			v.erase(v.y, 0, v.x+1)
			for r := 0; r < v.y; r++ {
				v.cells[r] = blankRow(v.w)
			}
		case 2, 3:
			for r := range v.cells {
				v.cells[r] = blankRow(v.w)
			}
		}
		return
	case 'X':
		v.erase(v.y, v.x, v.x+n(0, 1))
		return
	case 'b':
		for i := n(0, 1); i > 0 && v.lastRune != 0; i-- {
			v.print(v.lastRune)
		}
		return
	case '@':
		row, k := v.cells[v.y], min(n(0, 1), v.w-v.x)
		copy(row[v.x+k:], row[v.x:v.w-k])
		v.erase(v.y, v.x, v.x+k)
		return
	case 'P':
		row, k := v.cells[v.y], min(n(0, 1), v.w-v.x)
		copy(row[v.x:], row[v.x+k:])
		v.erase(v.y, v.w-k, v.w)
		return
	case 'L', 'M':
		if v.y < v.top || v.y > v.bot {
			return
		}
		top := v.top
		v.top = v.y
		if cmd.Final() == 'L' {
			v.scrollDown(n(0, 1))
		} else {
			v.scrollUp(n(0, 1))
		}
		v.top = top
		return
	case 'S':
		v.scrollUp(n(0, 1))
		return
	case 'T':
		v.scrollDown(n(0, 1))
		return
	case 'r':
		v.top, v.bot = n(0, 1)-1, n(1, v.h)-1
		if v.top >= v.bot || v.bot >= v.h {
			v.top, v.bot = 0, v.h-1
		}
		v.x, v.y = 0, 0
	case 's':
		v.savedX, v.savedY = v.x, v.y
		return
	case 'u':
		v.x, v.y = v.savedX, v.savedY
	default:
		return // SGR and anything else that does not move or write
	}
	v.clampCursor()
}
