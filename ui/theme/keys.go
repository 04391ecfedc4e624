package theme

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// Keys is the one keymap of the ui: every key a component reacts to is
// matched through one of these bindings (key.Matches), never by its name.
// Each component says which of them work now and what they do there
// (ShortHelp/FullHelp, or KeyBinds for a form field), by copying a binding
// and changing its help text; the root adds only the global keys.
type Keys struct {
	// Everywhere.
	Quit     key.Binding
	QuitList key.Binding // q, where nothing is typed: the referrals list
	Help     key.Binding
	HelpF1   key.Binding // the help key while typing (? is a character there)
	Switch   key.Binding // form <-> referrals
	Sync     key.Binding
	Back     key.Binding

	// Form.
	Next   key.Binding
	Prev   key.Binding
	Review key.Binding
	Up     key.Binding
	Down   key.Binding
	Move   key.Binding // help only: ↑/↓
	Choose key.Binding
	Erase  key.Binding // backspace where it does more than erase a character
	None   key.Binding // provider pickers: "No provider on this side" (sends "0")
	Left   key.Binding
	Right  key.Binding
	// Direction and priority: one letter chooses and moves on.
	Incoming key.Binding
	Outgoing key.Binding
	Routine  key.Binding
	Urgent   key.Binding
	Stat     key.Binding
	// Documents.
	Add    key.Binding // open the file picker
	Remove key.Binding // remove the highlighted file
	// The file picker.
	Type     key.Binding // help only: typing searches
	Mark     key.Binding
	Open     key.Binding // into the highlighted folder
	Parent   key.Binding // up one folder
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding

	// Review.
	Submit  key.Binding
	Confirm key.Binding // send despite the duplicate warning
	Edit    key.Binding

	// Referrals pane.
	Details key.Binding
	Reopen  key.Binding
	Filter  key.Binding
	Find    key.Binding
	// Settling a referral flagged for a person, in the pane.
	Found    key.Binding
	NotFound key.Binding

	// Questions.
	Yes     key.Binding
	No      key.Binding
	Discard key.Binding
	Resume  key.Binding
	Other   key.Binding // help only: "any other key"
}

// DefaultKeys is the keymap. Text fields take printable keys, so every key
// that works while typing is a control, function or navigation key; `?`
// opens the full help where nothing is being typed, F1 everywhere.
func DefaultKeys() Keys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Keys{
		Quit:     b("ctrl+c", "quit", "ctrl+c", "ctrl+q"),
		QuitList: b("q", "quit", "q"),
		Help:     b("?/f1", "help", "f1", "?"),
		HelpF1:   b("f1", "help", "f1"),
		Switch:   b("ctrl+t", "referrals/form", "ctrl+t", "f2"),
		Sync:     b("ctrl+r", "sync directories", "ctrl+r"),
		Back:     b("esc", "back", "esc"),

		Next:   b("tab", "next", "tab"),
		Prev:   b("shift+tab", "previous field", "shift+tab"),
		Review: b("ctrl+s", "review", "ctrl+s"),
		Up:     b("↑/ctrl+p", "up", "up", "ctrl+p"),
		Down:   b("↓/ctrl+n", "down", "down", "ctrl+n"),
		Move:   b("↑↓", "move", "up", "down"),
		Choose: b("enter", "choose", "enter"),
		Erase:  b("backspace", "erase", "backspace"),
		None:   b("ctrl+o", "no provider", "ctrl+o"),
		Left:   b("←", "previous option", "left"),
		Right:  b("→/space", "next option", "right", "space"),

		Incoming: b("i", "incoming", "i", "I"),
		Outgoing: b("o", "outgoing", "o", "O"),
		Routine:  b("r", "routine", "r", "R"),
		Urgent:   b("u", "urgent", "u", "U"),
		Stat:     b("s", "stat", "s", "S"),

		Add:    b("enter/a", "add a file", "enter", "a"),
		Remove: b("d/del", "remove file", "d", "delete", "backspace"),

		Type:     b("type", "search", "a"),
		Mark:     b("space", "mark", "space"),
		Open:     b("→", "open folder", "right"),
		Parent:   b("←", "up a folder", "left"),
		PageUp:   b("pgup", "page up", "pgup"),
		PageDown: b("pgdn", "page down", "pgdown"),
		Home:     b("home", "first", "home"),
		End:      b("end", "last", "end"),

		Submit:  b("enter", "send", "enter"),
		Confirm: b("y", "send anyway", "y"),
		Edit:    b("esc/e", "edit", "esc", "e"),

		Details: b("enter", "details", "enter"),
		Reopen:  b("r", "reopen in form", "r"),
		Filter:  b("f", "filter by status", "f"),
		Find:    b("/", "search", "/"),

		Found:    b("e", "found in eCW", "e"),
		NotFound: b("n", "not in eCW", "n"),

		Yes:     b("y", "yes", "y"),
		No:      b("n/esc", "no", "n", "esc"),
		Discard: b("d", "discard", "d"),
		Resume:  b("y/enter", "resume", "y", "enter"),
		Other:   b("any other key", "no", "n"),
	}
}

// With is b with other help text: what the key does where it is shown.
func With(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}

// Hint writes bindings as "key desc · key desc": the reminder a component
// shows beside what it concerns, from the same bindings as its help.
// Entries are dropped from the end while the line is wider than width (0:
// no limit), so a word is never cut.
func Hint(width int, bs ...key.Binding) string {
	var parts []string
	for _, b := range bs {
		if b.Enabled() {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	for ; len(parts) > 1; parts = parts[:len(parts)-1] {
		if width <= 0 || lipgloss.Width(strings.Join(parts, " · ")) <= width {
			break
		}
	}
	return strings.Join(parts, " · ")
}
