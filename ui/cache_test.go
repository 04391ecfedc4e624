package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"refdesk/ui/theme"
)

// The line-by-line join of two boxes is exactly lipgloss's JoinHorizontal,
// whatever the content: short, long (wrapped), wide runes, styled text.
func TestJoinBoxesIsJoinHorizontal(t *testing.T) {
	st := theme.New(true, false)
	contents := []string{
		"",
		"short",
		"a line much longer than the box is wide, which lipgloss wraps onto further lines of the box",
		"wide runes: 日本語のテキスト ✓ ✗ ▸ …\nsecond line",
		st.Warn.Render("PROCESSING") + " ⣾  Doe, John  " + st.Muted.Render("12s · #3") + "\n\n\nafter blanks",
	}
	for _, l := range contents {
		for _, r := range contents {
			for _, w := range []int{30, 66} {
				lb := st.FocusBox.Width(w).Height(8).Render(l)
				rb := st.Box.Width(54).Height(8).Render(r)
				var c viewCache
				got, want := c.joinBoxes(lb, rb), lipgloss.JoinHorizontal(lipgloss.Top, lb, rb)
				if got != want {
					t.Fatalf("join of %q and %q at %d differs:\n got %q\nwant %q", l, r, w, got, want)
				}
			}
		}
	}
	// Different heights: JoinHorizontal's padding.
	var c viewCache
	a, b := st.Box.Width(20).Height(3).Render("x"), st.Box.Width(20).Height(6).Render("y")
	if got, want := c.joinBoxes(a, b), lipgloss.JoinHorizontal(lipgloss.Top, a, b); got != want {
		t.Fatalf("uneven join differs:\n got %q\nwant %q", got, want)
	}
}

// A box drawn from its cached lines is exactly the box lipgloss draws, for
// synthetic content and for the real screens' form and pane, in both
// styles, as content changes under the same memo.
func TestBoxMemoIsLipgloss(t *testing.T) {
	contents := []string{
		"", "short", "  indented\twith a tab  ",
		"a line much longer than the box is wide, which lipgloss wraps onto further lines of the box",
		"wide runes: 日本語のテキスト ✓ ✗ ▸ …\nsecond line\n\n\nafter blanks",
		strings.Repeat("many lines\n", 30),
	}
	e := newEnv(t, 140, 45)
	e.d.Type("doe")
	contents = append(contents, e.m.form.View(), e.m.pane.View())
	e.d.Press("enter", "o")
	contents = append(contents, e.m.form.View())
	for _, noColor := range []bool{true, false} {
		st := theme.New(true, noColor)
		for _, focus := range []bool{true, false} {
			style := st.Box
			if focus {
				style = st.FocusBox
			}
			var memo boxMemo
			for _, h := range []int{3, 20, 43} {
				for _, w := range []int{30, 77} {
					for _, c := range contents {
						got, want := memo.render(style, focus, 0, w, h, c), style.Width(w).Height(h).Render(c)
						if got != want {
							t.Fatalf("box of %q at %dx%d differs:\n got %q\nwant %q", c, w, h, got, want)
						}
					}
				}
			}
		}
	}
}
