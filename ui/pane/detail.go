package pane

import (
	"strings"

	"charm.land/lipgloss/v2"

	"refdesk/icd10"
	"refdesk/state"
	"refdesk/ui/theme"
)

// codesText is the codes with their descriptions, from the store's code
// set (a *state.Desk has one) or the embedded one.
func (m Model) codesText(codes []string) string {
	set := icd10.Embedded()
	if s, ok := m.store.(interface{ Codes() *icd10.Set }); ok {
		set = s.Codes()
	}
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = theme.Clean(c)
		if d := set.Describe(c); d != "" {
			parts[i] += " (" + theme.Clean(d) + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// detailView shows everything about one referral and its transitions.
func (m Model) detailView() string {
	st := m.styles
	r := m.detail.ref
	w := max(20, m.width)
	wrap := lipgloss.NewStyle().Width(w)
	var b strings.Builder
	b.WriteString(st.Title.Render("Referral #"+itoa64(r.ID)) + "  " + m.StatusWord(r) + "\n")
	field := func(label, v string) {
		if v == "" {
			return
		}
		b.WriteString(wrap.Render(st.Label.Render(label+": ")+v) + "\n")
	}
	field("Patient", theme.Clean(r.PatientLine()))
	field("Direction", theme.Clean(r.Direction))
	field("From", theme.Clean(r.FromLine()))
	field("To", theme.Clean(r.ToLine()))
	field("Priority", theme.Clean(r.Priority))
	field("Reason", theme.CleanLines(r.Reason))
	field("Diagnosis codes", m.codesText(r.DiagnosisCodes))
	var docs []string
	for _, d := range r.Documents {
		docs = append(docs, d.Filename())
	}
	field("Documents", strings.Join(docs, ", "))
	field("Sent by", theme.Clean(r.Sender))
	field("Cobalt referral id", theme.Clean(r.ReferralID))
	field("Job id", theme.Clean(r.JobID))
	field("EHR id", theme.Clean(r.EHRID))
	field("Documents in EHR", docsText(r))
	if r.FailureReason != "" {
		field("Failure", st.Error.Render(theme.Clean(state.Plain(r.FailureReason))))
		if state.Plain(r.FailureReason) != strings.TrimSpace(r.FailureReason) {
			field("Cobalt's message", theme.Clean(r.FailureReason)) // exact, for support
		}
	}
	attn, at := "", b.Len() // where it goes when all fits
	if r.Attention != "" {
		attn = wrap.Render(st.Label.Render("Needs attention: ")+st.Warn.Render(theme.Clean(r.Attention))) + "\n"
		b.WriteString(attn)
	}
	b.WriteString("\n" + st.Title.Render("History") + "\n")
	for _, t := range m.detail.trans {
		line := t.At.Local().Format("15:04:05") + "  " + t.From.Label() + " → " + t.To.Label()
		if t.Cause != "" {
			line += "  " + st.Muted.Render(theme.Clean(t.Cause))
		}
		b.WriteString(wrap.Render(line) + "\n")
	}
	if len(m.detail.trans) == 0 {
		b.WriteString(st.Muted.Render("No transitions recorded.") + "\n")
	}
	bottom := st.Muted.Render(theme.Hint(m.width, m.detailKeys()...)) + m.noteLine()
	if q := m.settleView(); q != "" {
		bottom = q + m.noteLine()
	}
	top := strings.TrimRight(b.String(), "\n")
	if attn != "" && lipgloss.Height(top)+1+lipgloss.Height(bottom) > m.height {
		// Cut, the details lose their last rows: why a person is asked,
		// the most important line, goes under the title to stay.
		full := b.String()
		title := strings.Index(full, "\n") + 1
		top = strings.TrimRight(full[:title]+attn+full[title:at]+full[at+len(attn):], "\n")
	}
	return fitAbove(top, bottom, m.height, st.Muted.Render("…"))
}

// fitAbove is top, a blank line and bottom in h lines: the bottom (the
// keys, the question and what it says back) stays whole and the top gives
// up its last rows, marked by more, as the file list does for the request
// total.
func fitAbove(top, bottom string, h int, more string) string {
	bl := lipgloss.Height(bottom)
	tl := strings.Split(top, "\n")
	if room := h - bl - 1; len(tl) > room {
		keep := max(1, room-1) // the title stays, and the mark
		tl = append(tl[:min(keep, len(tl))], more)
	}
	return strings.Join(tl, "\n") + "\n\n" + bottom
}

func itoa64(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
