package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// Drawing the whole screen for every message is what a server with 50
// desks cannot afford: a spinner frame or another desk's referral redraws
// every screen, and lipgloss measures every line of a bordered box again.
// So the root keeps what it drew last and redraws a part only when its
// input changed: the form's view only after a message the form may have
// seen (viewCache.formDirty), each box only when its content, size or
// style changed (boxMemo), the side-by-side join only when a box did, and
// the help only when what it depends on did (helpMemo).
type viewCache struct {
	formDirty   bool
	form        string
	left, right boxMemo
	narrow      boxMemo
	joinL       string
	joinR       string
	join        string
	help        helpMemo
}

// boxMemo is one bordered box as last drawn, and the drawing of each
// content line it has seen at this width and style.
type boxMemo struct {
	ok      bool
	content string
	w, h    int
	focus   bool
	gen     int // the styles' generation (Model.styleGen)
	out     string

	// A box lipgloss draws from lines no wider than the box is, line for
	// line, the same each time: its top and bottom borders, then each
	// content line padded and framed, then framed blank lines up to the
	// height. So a line drawn once is reused; when one pane row changes,
	// only its lines are drawn (TestBoxMemoIsLipgloss checks the equality).
	// A line that cannot fit (a long word) makes lipgloss widen the whole
	// box: such content is drawn by lipgloss as a whole.
	lines         map[string][]string
	top, bottom   string
	blank         string
	blankW        int
	frameW, frame int // the width and style generation lines were drawn for
	frameFocus    bool
}

// boxLinesFor bounds the line cache of a box h lines high; past it the
// cache starts again (lines typed or ticked away are not kept for ever:
// 50 sessions share the server's memory).
func boxLinesFor(h int) int { return 3*h + 16 }

// render draws content in the box style, or returns the last drawing when
// nothing it depends on changed.
func (b *boxMemo) render(style lipgloss.Style, focus bool, gen, w, h int, content string) string {
	if b.ok && b.w == w && b.h == h && b.focus == focus && b.gen == gen && b.content == content {
		return b.out
	}
	b.ok, b.content, b.w, b.h, b.focus, b.gen = true, content, w, h, focus, gen
	if b.lines == nil || b.frameW != w || b.frame != gen || b.frameFocus != focus || len(b.lines) > boxLinesFor(h) {
		empty := strings.Split(style.Width(w).Render(""), "\n")
		b.lines = map[string][]string{}
		b.top, b.blank, b.bottom = empty[0], empty[1], empty[len(empty)-1]
		b.blankW = lipgloss.Width(b.blank)
		b.frameW, b.frame, b.frameFocus = w, gen, focus
	}
	var mids []string
	for _, l := range strings.Split(content, "\n") {
		drawn, ok := b.lines[l]
		if !ok {
			all := strings.Split(style.Width(w).Render(l), "\n")
			drawn = all[1 : len(all)-1]
			for _, d := range drawn {
				if lipgloss.Width(d) != b.blankW {
					drawn = nil // wider than the box: lipgloss widens the whole box
					break
				}
			}
			b.lines[l] = drawn
		}
		if drawn == nil {
			b.out = style.Width(w).Height(h).Render(content)
			return b.out
		}
		mids = append(mids, drawn...)
	}
	for len(mids) < h-2 {
		mids = append(mids, b.blank)
	}
	var sb strings.Builder
	sb.Grow(len(b.top) * (len(mids) + 2) * 2)
	sb.WriteString(b.top)
	for _, l := range mids {
		sb.WriteByte('\n')
		sb.WriteString(l)
	}
	sb.WriteByte('\n')
	sb.WriteString(b.bottom)
	b.out = sb.String()
	return b.out
}

// joinBoxes puts two boxes side by side. A box lipgloss draws with a fixed
// width and height has lines of one width (it pads every line to the
// widest, and wraps what is wider), so for two boxes of the same height,
// joining them line by line is what lipgloss.JoinHorizontal does, without
// measuring every line again (TestJoinBoxesIsJoinHorizontal checks it);
// blocks of different heights go to JoinHorizontal.
func (c *viewCache) joinBoxes(l, r string) string {
	if c.join != "" && c.joinL == l && c.joinR == r {
		return c.join
	}
	c.joinL, c.joinR = l, r
	ll, rl := strings.Split(l, "\n"), strings.Split(r, "\n")
	if len(ll) != len(rl) {
		c.join = lipgloss.JoinHorizontal(lipgloss.Top, l, r)
		return c.join
	}
	var b strings.Builder
	b.Grow(len(l) + len(r) + len(ll))
	for i := range ll {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(ll[i])
		b.WriteString(rl[i])
	}
	c.join = b.String()
	return c.join
}

// helpMemo is the help as last drawn, and what it was drawn from: the
// width, the full or short form, the styles, and the help text of every
// binding shown (sig; a group ends with an empty entry). spare is the
// array the next frame's sig is written into, then compared with sig.
type helpMemo struct {
	ok         bool
	width      int
	all        bool
	gen        int
	sig, spare []key.Help
	out        string
}
