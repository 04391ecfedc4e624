package pane

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/theme"
)

// View draws the list, or the open referral's details.
func (m Model) View() string {
	if m.detail != nil {
		return m.detailView()
	}
	if q := m.settleView(); q != "" {
		// The question in place of the list: it is about the row chosen.
		r, _ := m.selected()
		top := m.styles.Title.Render("Referral #"+itoa64(r.ID)) + "  " + m.StatusWord(r) + "\n" +
			lipgloss.NewStyle().Width(max(20, m.width)).Render(m.styles.Warn.Render("⚠ "+theme.Clean(r.Attention)))
		return fitAbove(top, q+m.noteLine(), m.height, m.styles.Muted.Render("…"))
	}
	st := m.styles
	w := max(20, m.width)
	var b strings.Builder
	vis := m.Visible()
	head := fmt.Sprintf("Referrals · %d shown · filter: %s", len(vis), m.FilterName())
	head = st.Title.Render(head)
	if n := m.NeedsPerson(); n > 0 {
		head += " · " + st.Warn.Render(NeedsPersonText(n))
	}
	b.WriteString(ansi.Truncate(head, w, "…") + "\n")
	lines := 1
	if m.find.typing || m.find.query != "" {
		line := "/ " + m.find.query
		if m.find.typing {
			line += "▏  enter keep · esc clear"
		} else {
			line += "  (/ to change, esc clears)"
		}
		b.WriteString(st.Muted.Render(ansi.Truncate(line, w, "…")) + "\n")
		lines++
	}
	if m.err != "" {
		b.WriteString(st.Error.Render(m.err) + "\n")
		lines++
	}
	if m.note != "" {
		note := lipgloss.NewStyle().Width(w).Render(st.Warn.Render(m.note))
		b.WriteString(note + "\n")
		lines += lipgloss.Height(note)
	}
	switch {
	case !m.loaded && m.store != nil:
		b.WriteString(st.Muted.Render("Loading…"))
	case len(vis) == 0 && len(m.list) == 0:
		b.WriteString(st.Muted.Render("No referrals yet. Referrals sent appear here, newest first."))
	case len(vis) == 0 && m.find.query != "":
		b.WriteString(st.Muted.Render(ansi.Truncate("No referral matches “"+m.find.query+"” under the filter “"+m.FilterName()+"”.", w, "…")))
	case len(vis) == 0:
		b.WriteString(st.Muted.Render("No referral matches the filter “" + m.FilterName() + "” (f to change)."))
	}
	per := 3
	room := max(1, (m.height-lines)/per)
	start := 0
	if m.cursor >= room {
		start = m.cursor - room + 1
	}
	for i := start; i < len(vis) && i < start+room; i++ {
		b.WriteString(m.cachedRow(vis[i], w, i == m.cursor))
	}
	return strings.TrimRight(b.String(), "\n")
}

// noteLine is the pane's note on a line of its own, if any.
func (m Model) noteLine() string {
	if m.note == "" {
		return ""
	}
	return "\n" + lipgloss.NewStyle().Width(max(20, m.width)).Render(m.styles.Warn.Render(m.note))
}

// StatusWord is the status as a word (never colour alone), with a spinner
// while in flight.
func (m Model) StatusWord(r state.Referral) string {
	st := m.styles
	word := strings.ToUpper(r.Status.Label())
	switch r.Status {
	case state.Submitting, state.Processing:
		return st.Warn.Render(word) + " " + m.spin.View()
	case state.Completed:
		return st.OK.Render(word + " ✓")
	case state.Failed, state.NotSent:
		return st.Error.Render(word + " ✗")
	case state.Unknown:
		return st.Warn.Render(word + " ?")
	}
	return word
}

func (m Model) row(r state.Referral, w int, cur bool) string {
	return m.rowHead(r, w, cur) + m.rowTail(r, w)
}

// rowHead is a row's first line: status, patient, priority and elapsed
// time, which change while the referral is in flight.
func (m Model) rowHead(r state.Referral, w int, cur bool) string {
	st := m.styles
	prio := ""
	switch r.Priority {
	case api.PriorityUrgent:
		prio = " " + st.Urgent.Render("URGENT !")
	case api.PriorityStat:
		prio = " " + st.Stat.Render("STAT !!")
	}
	l1 := fmt.Sprintf("%s  %s%s  %s", m.StatusWord(r), theme.Clean(patientShort(r.ReferralInput)), prio,
		st.Muted.Render(m.elapsed(r)+" · #"+itoa64(r.ID)))
	mark := "  "
	if cur {
		mark = st.Focused.Render("▸ ")
	}
	return mark + ansi.Truncate(l1, w-2, "…")
}

// rowTail is a row's second and third lines, which change only with the
// referral itself.
func (m Model) rowTail(r state.Referral, w int) string {
	st := m.styles
	l2 := theme.Clean(r.Direction) + " · " + theme.Clean(provider(r.FromEHRID, r.FromName, r.From)) + " → " +
		theme.Clean(provider(r.ToEHRID, r.ToName, r.To))
	var l3 []string
	if r.FailureReason != "" {
		// First, so a narrow pane still says why.
		l3 = append(l3, st.Error.Render("Failed: "+theme.Clean(firstLine(state.Plain(r.FailureReason)))))
	}
	if r.EHRID != "" {
		l3 = append(l3, "EHR id "+theme.Clean(r.EHRID))
	}
	if d := docsText(r); d != "" {
		l3 = append(l3, d)
	}
	if r.Attention != "" {
		l3 = append(l3, st.Warn.Render("⚠ "+theme.Clean(r.Attention)))
	}
	if r.Sender != "" {
		// Many desks share the pane under serve: who sent it (the desk's
		// key name, whole: referrals sent before desks were their keys read
		// "user (key)"), last so that a narrow pane cuts it before the
		// outcome.
		l3 = append(l3, st.Muted.Render("by "+theme.Clean(r.Sender)))
	}
	return "\n  " + ansi.Truncate(l2, w-2, "…") + "\n  " + ansi.Truncate(strings.Join(l3, " · "), w-2, "…") + "\n"
}

func docsText(r state.Referral) string {
	if r.DocumentsAttached == nil && r.DocumentsFailed == nil {
		if len(r.Documents) > 0 {
			return fmt.Sprintf("%d doc(s) sent", len(r.Documents))
		}
		return ""
	}
	a, f := 0, 0
	if r.DocumentsAttached != nil {
		a = *r.DocumentsAttached
	}
	if r.DocumentsFailed != nil {
		f = *r.DocumentsFailed
	}
	return fmt.Sprintf("docs %d attached, %d failed", a, f)
}

// provider is a provider in a row: the name and what tells it from a
// namesake in the fewest words (the city, else the speciality, else the
// NPI); the details show everything.
func provider(id, name string, info state.ProviderInfo) string {
	switch {
	case id == api.NoProvider:
		return "no provider"
	case name == "" && id != "":
		return "id " + id
	case name == "":
		return "—"
	}
	for _, tell := range []string{info.City, info.Speciality, info.NPI} {
		if tell != "" {
			return name + " (" + tell + ")"
		}
	}
	return name
}

// patientShort is the patient in a row: the name and date of birth.
func patientShort(in state.ReferralInput) string {
	if in.PatientDOB == "" {
		return orDash(in.PatientName)
	}
	return orDash(in.PatientName) + " · " + state.USDate(in.PatientDOB)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// elapsed is how long the referral has taken: until now while in flight,
// until its last change once it is done.
func (m Model) elapsed(r state.Referral) string {
	if r.CreatedAt.IsZero() {
		return ""
	}
	end := m.now()
	if r.Status.Terminal() || r.Status == state.NotSent {
		end = r.UpdatedAt
	}
	return Duration(end.Sub(r.CreatedAt))
}

// Duration writes a short duration: 14s, 3m05s, 2h10m.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// NeedsPersonText is the count of referrals flagged for a person, as the
// headers show it.
func NeedsPersonText(n int) string {
	if n == 1 {
		return "⚠ 1 needs a person"
	}
	return fmt.Sprintf("⚠ %d need a person", n)
}
