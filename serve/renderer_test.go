package serve

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// sink records what a renderer wrote, one entry per Write.
type sink struct {
	mu     sync.Mutex
	writes []string
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, string(p))
	return len(p), nil
}

func (s *sink) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes, "")
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes)
}

// since is everything written after the first n writes.
func (s *sink) since(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes[n:], "")
}

var trueColorEnv = []string{"TERM=xterm-256color", "COLORTERM=truecolor"}

// draw hands r one view and paints it (the goroutine is not running).
func draw(r *lineRenderer, content string) {
	r.set(tea.NewView(content))
	r.paint()
}

func TestLineRendererFirstFrame(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 20, 4)
	v := tea.NewView("one\n\nthree")
	v.WindowTitle = "refdesk"
	r.set(v)
	r.paint()
	want := ansi.SetModeAltScreenSaveCursor + ansi.HideCursor + ansi.SetModeBracketedPaste +
		ansi.SetWindowTitle("refdesk") + ansi.ResetStyle + ansi.EraseEntireScreen +
		ansi.CursorPosition(1, 1) + "one" + ansi.ResetStyle + ansi.EraseLineRight +
		ansi.CursorPosition(1, 3) + "three" + ansi.ResetStyle + ansi.EraseLineRight
	if got := out.all(); got != want {
		t.Errorf("first frame:\n got %q\nwant %q", got, want)
	}
}

func TestLineRendererWritesOnlyChangedLines(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 20, 5)
	draw(r, "header\nrow A\nrow B\nrow C\nfooter")
	n := out.count()
	draw(r, "header\nrow A\nrow B done\nrow C\nfooter")
	want := ansi.CursorPosition(1, 3) + "row B done" + ansi.ResetStyle + ansi.EraseLineRight
	if got := out.since(n); got != want {
		t.Errorf("one changed row:\n got %q\nwant %q", got, want)
	}
	n = out.count()
	draw(r, "header\nrow A\nrow B done\nrow C\nfooter")
	if got := out.since(n); got != "" {
		t.Errorf("an unchanged frame wrote %q", got)
	}
	n = out.count()
	draw(r, "header\nrow A") // shorter: the rows below are cleared
	want = ansi.CursorPosition(1, 3) + ansi.ResetStyle + ansi.EraseLineRight +
		ansi.CursorPosition(1, 4) + ansi.ResetStyle + ansi.EraseLineRight +
		ansi.CursorPosition(1, 5) + ansi.ResetStyle + ansi.EraseLineRight
	if got := out.since(n); got != want {
		t.Errorf("a shorter frame:\n got %q\nwant %q", got, want)
	}
}

func TestLineRendererResizeRepaintsAll(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 20, 3)
	draw(r, "a\nb\nc")
	n := out.count()
	r.resize(30, 3)
	r.paint()
	got := out.since(n)
	for _, s := range []string{ansi.EraseEntireScreen, ansi.CursorPosition(1, 1) + "a", ansi.CursorPosition(1, 2) + "b", ansi.CursorPosition(1, 3) + "c"} {
		if !strings.Contains(got, s) {
			t.Errorf("after a resize, %q is missing from %q", s, got)
		}
	}
	n = out.count()
	r.resize(30, 3) // the same size: nothing to do
	r.paint()
	if got := out.since(n); got != "" {
		t.Errorf("a resize to the same size wrote %q", got)
	}
}

// A full-width line must not be followed by "erase to the end of the line":
// the cursor then sits on the last column, and the erase would take it.
// Wider lines are cut to the window.
func TestLineRendererWidths(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 5, 3)
	draw(r, "12345\n123\n1234567")
	got := out.all()
	if !strings.Contains(got, ansi.CursorPosition(1, 1)+"12345"+ansi.ResetStyle+ansi.CursorPosition(1, 2)) {
		t.Errorf("the full-width line was erased after: %q", got)
	}
	if !strings.Contains(got, "123"+ansi.ResetStyle+ansi.EraseLineRight) {
		t.Errorf("the short line was not erased after: %q", got)
	}
	if strings.Contains(got, "1234567") || !strings.Contains(got, ansi.CursorPosition(1, 3)+"12345"+ansi.ResetStyle) {
		t.Errorf("the wide line was not cut to 5 columns: %q", got)
	}
	// Wide characters count as two columns.
	out2 := &sink{}
	r2 := newLineRenderer(out2, trueColorEnv, 4, 1)
	draw(r2, "日本語")
	if got := out2.all(); strings.Contains(got, "語") || !strings.Contains(got, "日本") {
		t.Errorf("a line of wide characters was not cut to 4 columns: %q", got)
	}
}

// Colours the client's terminal cannot show are brought down to ones it
// can; NO_COLOR drops them; a true-colour terminal gets them as they are.
func TestLineRendererColourProfiles(t *testing.T) {
	red := "\x1b[38;2;255;0;0mred\x1b[m"
	for _, tc := range []struct {
		env        []string
		want, lose string
	}{
		{trueColorEnv, "38;2;255;0;0m", ""},
		{[]string{"TERM=xterm-256color"}, "38;5;196m", "38;2;"},
		{[]string{"TERM=xterm-256color", "NO_COLOR=1"}, "red", "38;"},
	} {
		out := &sink{}
		r := newLineRenderer(out, tc.env, 20, 1)
		draw(r, red)
		got := out.all()
		if !strings.Contains(got, tc.want) || (tc.lose != "" && strings.Contains(got, tc.lose)) {
			t.Errorf("env %v: want %q and no %q in %q", tc.env, tc.want, tc.lose, got)
		}
	}
}

// Changes that come faster than a frame are drawn once, newest only; the
// first after a quiet spell is drawn at once.
func TestLineRendererCoalesces(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 20, 1)
	r.minGap = 300 * time.Millisecond
	r.start()
	defer r.close()
	start := time.Now()
	r.set(tea.NewView("frame 0"))
	waitUntil(t, "the first frame", func() bool { return strings.Contains(out.all(), "frame 0") })
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("the first frame took %s", d)
	}
	for i := 1; i <= 20; i++ {
		r.set(tea.NewView(fmt.Sprintf("frame %d", i)))
	}
	waitUntil(t, "the last frame", func() bool { return strings.Contains(out.all(), "frame 20") })
	if got := out.all(); strings.Contains(got, "frame 1\x1b") || strings.Contains(got, "frame 19") {
		t.Errorf("frames in between were drawn: %q", got)
	}
	if n := out.count(); n != 2 {
		t.Errorf("%d writes for two frames", n)
	}
}

// close gives the terminal back and nothing is drawn after it.
func TestLineRendererClose(t *testing.T) {
	out := &sink{}
	r := newLineRenderer(out, trueColorEnv, 20, 2)
	r.start()
	r.set(tea.NewView("desk"))
	waitUntil(t, "the frame", func() bool { return strings.Contains(out.all(), "desk") })
	r.close()
	r.close() // twice is harmless
	want := ansi.ResetStyle + ansi.ResetModeBracketedPaste + ansi.ShowCursor + ansi.ResetModeAltScreenSaveCursor
	if got := out.all(); !strings.HasSuffix(got, want) || strings.Count(got, want) != 1 {
		t.Errorf("close did not restore the terminal once: %q", got)
	}
	n := out.count()
	r.set(tea.NewView("after"))
	r.resize(40, 3)
	time.Sleep(50 * time.Millisecond)
	if got := out.since(n); got != "" {
		t.Errorf("drawn after close: %q", got)
	}
	// A renderer that never drew leaves the terminal alone.
	quiet := &sink{}
	q := newLineRenderer(quiet, trueColorEnv, 20, 2)
	q.start()
	q.close()
	if got := quiet.all(); got != "" {
		t.Errorf("a renderer that never drew wrote %q", got)
	}
}

// A client that went away makes writes fail; the renderer stops writing.
func TestLineRendererStopsOnWriteError(t *testing.T) {
	w := &failing{}
	r := newLineRenderer(w, trueColorEnv, 20, 2)
	draw(r, "a")
	draw(r, "b")
	draw(r, "c")
	r.close()
	if w.calls != 1 {
		t.Errorf("%d writes after the first failed one", w.calls-1)
	}
}

type failing struct{ calls int }

func (f *failing) Write([]byte) (int, error) {
	f.calls++
	return 0, fmt.Errorf("connection closed")
}

// styledScreen is a 140x45 screen like a desk's: a bordered form beside a
// bordered pane of referral rows, in colour.
func styledScreen(changedRow int, status string) string {
	var b bytes.Buffer
	bold, dim, green, reset := "\x1b[1;38;2;175;175;255m", "\x1b[38;2;138;138;138m", "\x1b[38;2;95;215;135m", "\x1b[m"
	b.WriteString(bold + "refdesk" + reset + " · user front1 · " + dim + "synced just now" + reset + "\n")
	b.WriteString("┏" + strings.Repeat("━", 75) + "┓╭" + strings.Repeat("─", 61) + "╮\n")
	for i := range 41 {
		left := fmt.Sprintf("   Field %02d: %-60s", i, "Rivera, Jordan · DOB 09/21/1975 · MRN 1234567")
		st := "Completed"
		if i == changedRow {
			st = status
		}
		right := fmt.Sprintf(" %s%-10s%s #%04d Doe, Patient %-3d EHR id REF-%d        ", green, st, reset, i, i, 1000+i)
		fmt.Fprintf(&b, "┃%-75s┃│%s%s│\n", left, right, strings.Repeat(" ", max(0, 61-ansi.StringWidth(right))))
	}
	b.WriteString("┗" + strings.Repeat("━", 75) + "┛╰" + strings.Repeat("─", 61) + "╯\n")
	b.WriteString(dim + "?/f1 help • tab next • ctrl+s review • ctrl+t referrals • ctrl+c quit" + reset)
	return b.String()
}

// BenchmarkLineRendererRowChange is the cost of drawing a frame in which one
// row of the pane changed (a webhook on another desk's screen).
func BenchmarkLineRendererRowChange(b *testing.B) {
	frames := []string{styledScreen(20, "Processing"), styledScreen(20, "Completed")}
	r := newLineRenderer(&sink{}, trueColorEnv, 140, 45)
	r.out = discard{}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		draw(r, frames[i%2])
		i++
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkCellRendererRowChange is the same frame through what Bubble
// Tea's renderer does per frame (ultraviolet: parse the frame into a cell
// buffer, diff it against the screen's), for comparison in one run.
func BenchmarkCellRendererRowChange(b *testing.B) {
	frames := []string{styledScreen(20, "Processing"), styledScreen(20, "Completed")}
	buf := uv.NewScreenBuffer(140, 45)
	scr := uv.NewTerminalRenderer(discard{}, trueColorEnv)
	scr.SetColorProfile(colorprofile.TrueColor)
	scr.SetFullscreen(true)
	scr.SetRelativeCursor(false)
	scr.SetScrollOptim(true)
	scr.Resize(140, 45)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf.Clear()
		uv.NewStyledString(frames[i%2]).Draw(buf, buf.Bounds())
		scr.Render(buf.RenderBuffer)
		if err := scr.Flush(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
