package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/ui/pane"
	"refdesk/ui/theme"
)

// Sizes the layout depends on.
const (
	MinWidth  = 80
	MinHeight = 24
	WideFrom  = 120 // form and pane side by side from this width
)

func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

func (m *Model) wide() bool { return m.width >= WideFrom }

// chrome is how many lines header, flash and help take.
func (m *Model) chrome() (header, footer int) {
	header = 2 // header + flash
	if m.s.Sandbox {
		header++
	}
	footer = 1
	if m.help.ShowAll {
		footer = lipgloss.Height(m.helpView())
	}
	return header, footer
}

// rootLayout is the screen's geometry: the one place that splits the
// width between the form and the pane and the height between the chrome
// and the body.
type rootLayout struct {
	wide  bool
	body  int // lines between the header (and flash) and the help
	left  int // the form's box: the whole width when narrow
	right int // the pane's box beside it (wide only)
}

// layout computes the geometry for the current size and chrome.
func (m *Model) layout() rootLayout {
	header, footer := m.chrome()
	l := rootLayout{wide: m.wide(), body: max(4, m.height-header-footer), left: m.width}
	if l.wide {
		l.left = m.width * 11 / 20
		l.right = m.width - l.left
	}
	return l
}

// resize gives every component its size after a resize or a help toggle.
func (m *Model) resize() {
	m.help.SetWidth(m.width)
	l := m.layout()
	if l.wide {
		m.form.SetSize(l.left-4, l.body-2)
		m.pane.SetSize(l.right-4, l.body-2)
		return
	}
	m.form.SetSize(l.left-4, l.body-3)
	m.pane.SetSize(l.left-4, l.body-3)
}

// View draws the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "refdesk"
	return v
}

func (m *Model) render() string {
	st := m.styles
	if m.tooSmall() {
		msg := fmt.Sprintf("refdesk needs a window of at least %d×%d.\nThis one is %d×%d: please enlarge it.\n\nctrl+c quits.",
			MinWidth, MinHeight, m.width, m.height)
		return lipgloss.Place(max(1, m.width), max(1, m.height), lipgloss.Center, lipgloss.Center, msg)
	}
	l := m.layout()
	var b strings.Builder
	b.WriteString(m.headerView() + "\n")
	if m.s.Sandbox {
		b.WriteString(ansi.Truncate(st.Banner.Render("SANDBOX: synthetic data. Nothing you send here reaches an EHR."), m.width, "…") + "\n")
	}
	flash := m.flash
	style := st.OK
	if m.flashErr {
		style = st.Error
	}
	if flash == "" && m.syncStatus.Error != "" && !m.syncing && !m.syncBg {
		// The sync's trouble in full, where the header has no room for it.
		flash, style = m.syncTrouble(), st.Warn
	}
	b.WriteString(ansi.Truncate(style.Render(theme.Clean(flash)), m.width, "…") + "\n")
	b.WriteString(m.bodyView(l) + "\n")
	b.WriteString(m.helpView())
	return b.String()
}

func (m *Model) headerView() string { return m.header(m.pane.NeedsPerson()) }

// header is the top line with needs referrals flagged for a person. Each
// part has its wordings, longest first ("" drops it); when the line is
// too wide the parts shorten in shed's order, least important first, so
// no word is ever cut: the sync key's reminder, the completions' details,
// the sync's details, then the completions. Who, where and the flagged
// referrals stay whole.
func (m *Model) header(needs int) string {
	st := m.styles
	who := "user"
	if m.s.UserLabel != "" {
		who = m.s.UserLabel
	}
	parts := [][]string{{st.Title.Render("refdesk")}, {who + " " + theme.Clean(m.s.User)}}
	if m.s.Sandbox {
		parts = append(parts, []string{st.Badge.Render("SANDBOX")})
	} else if m.s.Account != "" {
		parts = append(parts, []string{"account " + theme.Clean(m.s.Account)})
	}
	if needs > 0 {
		// Stays until each is dealt with, whichever screen is shown.
		parts = append(parts, []string{st.Warn.Render(pane.NeedsPersonText(needs))})
	}
	sync := len(parts)
	parts = append(parts, m.syncWords())
	comp := len(parts)
	parts = append(parts, m.completionWords())
	shed := []int{sync, comp, comp, sync, comp, sync, comp}
	at := make([]int, len(parts)) // the wording in use, per part
	line := func() string {
		var out []string
		for i, p := range parts {
			if w := p[min(at[i], len(p)-1)]; w != "" {
				out = append(out, w)
			}
		}
		return strings.Join(out, " · ")
	}
	l := line()
	for _, i := range shed {
		if lipgloss.Width(l) <= m.width {
			break
		}
		at[i]++
		l = line()
	}
	return ansi.Truncate(l, m.width, "…") // a name longer than the screen
}

// syncWords is the directories' sync state, longest wording first.
func (m *Model) syncWords() []string {
	st := m.styles
	switch {
	case m.syncing:
		p := m.syncProg
		s := "syncing"
		if p.Directory != "" {
			s += " " + string(p.Directory)
			if p.Total > 0 {
				s += fmt.Sprintf(" %d/%d", p.Done, p.Total)
			}
		}
		return []string{st.Warn.Render(s + "…"), st.Warn.Render("syncing…")}
	case m.syncBg:
		return []string{st.Warn.Render("syncing directories…"), st.Warn.Render("syncing…")}
	case !m.syncKnown:
		// Not read yet (the first frame): saying "never synced" would be
		// a false alarm on a desk that is up to date.
		return []string{""}
	case m.syncedAt.IsZero() && m.syncStatus.Error != "":
		// The line under the header says why in full.
		return []string{st.Warn.Render("directories not synced yet; next try " + m.until(m.syncStatus.NextTry)),
			st.Warn.Render("not synced yet; next try " + m.until(m.syncStatus.NextTry)), st.Warn.Render("not synced yet")}
	case m.syncedAt.IsZero():
		return []string{st.Warn.Render("directories never synced") + " (ctrl+r syncs)", st.Warn.Render("directories never synced"),
			st.Warn.Render("never synced")}
	case m.syncStatus.Error != "":
		at := "synced " + ago(m.now().Sub(m.syncedAt))
		return []string{at + " · " + st.Warn.Render("last sync failed; next try "+m.until(m.syncStatus.NextTry)),
			at + " · " + st.Warn.Render("last sync failed"), st.Warn.Render("last sync failed")}
	}
	at := "synced " + ago(m.now().Sub(m.syncedAt))
	return []string{at + " (ctrl+r syncs)", at}
}

// completionWords is how completions arrive (webhooks or polling),
// longest wording first, then none: the short forms keep the words before
// the parenthesis ("polling Cobalt").
func (m *Model) completionWords() []string {
	st := m.styles
	if m.s.Completions == "" {
		return []string{""}
	}
	c := theme.Clean(m.s.Completions)
	short := c
	if i := strings.Index(c, " ("); i > 0 {
		short = c[:i]
	}
	if m.s.LastWebhook == nil {
		return []string{"completions: " + c, "completions: " + short, short, ""}
	}
	if m.s.LastWebhook().IsZero() {
		none := st.Warn.Render("no verified webhook yet")
		return []string{"completions: " + c + " (" + none + ")", short + " (" + none + ")", short + " (" + st.Warn.Render("none verified") + ")", ""}
	}
	a := ago(m.now().Sub(m.s.LastWebhook()))
	return []string{"completions: " + c + " (last webhook " + a + ")", short + " (last " + a + ")", short, ""}
}

// syncTrouble says what went wrong with the automatic sync, for the line
// under the header.
func (m *Model) syncTrouble() string {
	st := m.syncStatus
	if m.syncedAt.IsZero() {
		return "Directories not synced yet — " + st.Error + "; next try " + m.until(st.NextTry) + ". Drafts can be typed meanwhile."
	}
	return "The last directory sync failed — " + st.Error + "; the previous directories are kept; next try " + m.until(st.NextTry) + "."
}

// until says when t comes: "in 40 s", "in 3 min", "now".
func (m *Model) until(t time.Time) string {
	d := t.Sub(m.now())
	switch {
	case d < time.Second:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("in %d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d.Minutes()+0.5))
	}
	return fmt.Sprintf("in %d h", int(d.Hours()+0.5))
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// bodyView draws the form and the pane (or a question) in l.body lines.
func (m *Model) bodyView(l rootLayout) string {
	st, h := m.styles, l.body
	switch m.screen {
	case screenQuit:
		if m.confirmDiscard {
			return m.question(h, "Discard the draft?", "The referral in progress is thrown away for good (the audit log records it).",
				theme.Hint(0, m.questionKeys()...))
		}
		text := "A referral is in progress. It is kept as a draft and offered when you next start."
		if scan := m.form.PendingScan(); scan != "" {
			// The draft holds only what is attached: the scan asked about
			// is not, and nothing on resume could say so.
			text = scan + " is NOT attached: its question (send it under the name its content shows?) is not answered. "
			if m.form.Empty() {
				text += "Nothing else is typed, so no draft is kept."
			} else {
				text += "The rest of the referral is kept as a draft, without it."
			}
			text += " Stay to answer, or attach it again later."
		}
		return m.question(h, "Quit refdesk?", text, theme.Hint(0, m.questionKeys()...))
	case screenResume:
		what := "A referral"
		if m.resumeIn.PatientMRN != "" {
			what = "A referral for " + theme.Clean(m.resumeIn.PatientLine())
		}
		if m.confirmDiscard {
			return m.question(h, "Discard the draft?", what+" is thrown away for good (the audit log records it).",
				theme.Hint(0, m.questionKeys()...))
		}
		return m.question(h, "Resume your draft?",
			what+" was left unfinished "+ago(m.now().Sub(m.resumeAt))+".",
			theme.Hint(0, m.questionKeys()...))
	}
	c := &m.cache
	if l.wide {
		lbox, rbox := st.FocusBox, st.Box
		if m.onPane {
			lbox, rbox = st.Box, st.FocusBox
		}
		left := c.left.render(lbox, !m.onPane, m.styleGen, l.left, h, clip(m.formOrReview(l, h-2), h-2))
		right := c.right.render(rbox, m.onPane, m.styleGen, l.right, h, clip(m.pane.View(), h-2))
		return c.joinBoxes(left, right)
	}
	tabs := m.tabs()
	var content string
	if m.onPane {
		content = m.pane.View()
	} else {
		content = m.formOrReview(l, h-3)
	}
	return tabs + "\n" + c.narrow.render(st.FocusBox, true, m.styleGen, m.width, h-1, clip(content, h-3))
}

// formOrReview is the left side: the review, or the form's view (drawn
// again only after a message the form may have seen).
func (m *Model) formOrReview(l rootLayout, h int) string {
	if m.screen == screenReview && m.review != nil {
		return m.reviewView(l.left-4, h)
	}
	if m.cache.formDirty {
		m.cache.form = m.form.View()
		m.cache.formDirty = false
	}
	return m.cache.form
}

// tabs names the two tabs, the active one marked in words and underline.
func (m *Model) tabs() string {
	st := m.styles
	formName := "Form"
	if m.screen == screenReview {
		formName = "Review"
	}
	paneName := fmt.Sprintf("Referrals (%d in progress)", m.pane.InProgress())
	if m.onPane {
		return st.Tab.Render(formName) + st.ActiveTab.Render("["+paneName+"]") + st.Muted.Render("  ctrl+t switch")
	}
	return st.ActiveTab.Render("["+formName+"]") + st.Tab.Render(paneName) + st.Muted.Render("  ctrl+t switch")
}

func (m *Model) question(h int, title, text, keys string) string {
	st := m.styles
	box := st.FocusBox.Width(min(70, m.width-4)).Render(st.Title.Render(title) + "\n\n" +
		lipgloss.NewStyle().Width(min(66, m.width-8)).Render(text) + "\n\n" + st.Muted.Render(keys))
	return lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, box)
}

// clip keeps the first h lines of s.
func clip(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:max(0, h)]
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return fmt.Sprint(n) }
