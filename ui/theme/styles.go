// Package theme holds what every ui component shares: the Styles (built
// once per session from the terminal's background and NO_COLOR), the one
// keymap of key.Bindings with their help, and Clean, which makes text from
// Cobalt or the directory safe to draw. No component hard-codes a colour.
package theme

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles is every style the ui draws with. Information never rides on
// colour alone: highlights are also bold or underlined, statuses are words.
type Styles struct {
	Dark    bool
	NoColor bool

	Title     lipgloss.Style // screen and section titles
	Header    lipgloss.Style // the top bar
	Badge     lipgloss.Style // SANDBOX
	Banner    lipgloss.Style // "synthetic data"
	Label     lipgloss.Style // a form field's label
	Focused   lipgloss.Style // the focused field's label
	Muted     lipgloss.Style // secondary text
	Error     lipgloss.Style // a validation message
	Warn      lipgloss.Style // a duplicate or attention note
	OK        lipgloss.Style // success notes
	Match     lipgloss.Style // matched characters in a picker row
	Cursor    lipgloss.Style // the highlighted row
	Urgent    lipgloss.Style
	Stat      lipgloss.Style
	Box       lipgloss.Style // a bordered panel
	FocusBox  lipgloss.Style // the panel that has the keyboard
	Tab       lipgloss.Style
	ActiveTab lipgloss.Style
	BarFull   lipgloss.Style
	BarEmpty  lipgloss.Style

	Help      help.Styles
	TextInput textinput.Styles
	TextArea  textarea.Styles
}

// New builds the styles for a dark or light background; noColor drops every
// colour and keeps bold, underline and reverse.
func New(dark, noColor bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) lipgloss.Style {
		if noColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(ld(lipgloss.Color(light), lipgloss.Color(darkc)))
	}
	s := Styles{Dark: dark, NoColor: noColor}
	s.Title = c("#5A3FC0", "#B9A7FF").Bold(true)
	s.Header = lipgloss.NewStyle().Bold(true)
	s.Badge = lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1)
	if !noColor {
		s.Badge = lipgloss.NewStyle().Bold(true).Padding(0, 1).
			Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#F2C94C"))
	}
	s.Banner = c("#8A5A00", "#F2C94C")
	s.Label = c("#444444", "#BBBBBB")
	s.Focused = c("#5A3FC0", "#B9A7FF").Bold(true)
	s.Muted = c("#6B6B6B", "#8A8A8A")
	s.Error = c("#B00020", "#FF6B6B").Bold(true)
	s.Warn = c("#8A5A00", "#F2C94C").Bold(true)
	s.OK = c("#1B7F3B", "#6BD88F")
	s.Match = c("#B0006A", "#FF7AC6").Bold(true).Underline(true)
	s.Cursor = lipgloss.NewStyle().Reverse(true)
	s.Urgent = c("#8A5A00", "#F2C94C").Bold(true)
	s.Stat = c("#B00020", "#FF6B6B").Bold(true)
	border := lipgloss.RoundedBorder()
	s.Box = lipgloss.NewStyle().Border(border).Padding(0, 1)
	s.FocusBox = lipgloss.NewStyle().Border(lipgloss.ThickBorder()).Padding(0, 1)
	if !noColor {
		s.Box = s.Box.BorderForeground(ld(lipgloss.Color("#BBBBBB"), lipgloss.Color("#555555")))
		s.FocusBox = s.FocusBox.BorderForeground(ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B9A7FF")))
	}
	s.Tab = lipgloss.NewStyle().Padding(0, 1)
	s.ActiveTab = lipgloss.NewStyle().Padding(0, 1).Bold(true).Underline(true)
	s.BarFull = c("#1B7F3B", "#6BD88F")
	s.BarEmpty = c("#BBBBBB", "#555555")

	s.Help = help.DefaultStyles(dark)
	s.TextInput = textinput.DefaultStyles(dark)
	s.TextInput.Cursor.Blink = false
	s.TextArea = textarea.DefaultStyles(dark)
	s.TextArea.Cursor.Blink = false
	if noColor {
		plain := lipgloss.NewStyle()
		s.Help = help.Styles{Ellipsis: plain, ShortKey: plain.Bold(true), ShortDesc: plain,
			ShortSeparator: plain, FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain}
		s.TextInput.Focused = textinput.StyleState{Text: plain, Placeholder: plain.Faint(true),
			Suggestion: plain.Faint(true), Prompt: plain.Bold(true)}
		s.TextInput.Blurred = textinput.StyleState{Text: plain, Placeholder: plain.Faint(true),
			Suggestion: plain.Faint(true), Prompt: plain}
		s.TextInput.Cursor.Color = nil
		s.TextArea = plainTextArea(s.TextArea)
	}
	return s
}

// plainTextArea strips colour from a textarea's styles.
func plainTextArea(t textarea.Styles) textarea.Styles {
	plain := lipgloss.NewStyle()
	st := textarea.StyleState{Base: plain, Text: plain, LineNumber: plain, CursorLineNumber: plain,
		CursorLine: plain, EndOfBuffer: plain, Placeholder: plain.Faint(true), Prompt: plain,
		Selection: plain.Reverse(true)}
	t.Focused, t.Blurred = st, st
	t.Cursor.Color = nil
	return t
}
