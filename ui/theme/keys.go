package theme

import "charm.land/bubbles/v2/key"

// Keys is the one keymap of the ui. Components read the bindings they need;
// the root builds the help for the current screen from them.
type Keys struct {
	// Everywhere.
	Quit   key.Binding
	Help   key.Binding
	Switch key.Binding // form <-> referrals
	Sync   key.Binding
	Back   key.Binding

	// Form.
	Next   key.Binding
	Prev   key.Binding
	Review key.Binding
	Up     key.Binding
	Down   key.Binding
	Move   key.Binding // help only: ↑/↓
	Choose key.Binding
	None   key.Binding // provider pickers: "No provider on this side" (sends "0")
	Left   key.Binding
	Right  key.Binding
	Add    key.Binding // documents: open the file picker
	Remove key.Binding // documents: remove the highlighted file
	Open   key.Binding // file picker: enter a folder / choose a file
	Parent key.Binding // file picker: up one folder

	// Review.
	Submit  key.Binding
	Confirm key.Binding // send despite the duplicate warning
	Edit    key.Binding

	// Referrals pane.
	Details key.Binding
	Reopen  key.Binding
	Filter  key.Binding
	// Settling a referral flagged for a person, in the pane.
	Found    key.Binding
	NotFound key.Binding

	// Questions.
	Yes     key.Binding
	No      key.Binding
	Discard key.Binding
}

// DefaultKeys is the keymap. Text fields take printable keys, so every key
// that works while typing is a control, function or navigation key; `?`
// opens the full help where nothing is being typed, F1 everywhere.
func DefaultKeys() Keys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Keys{
		Quit:   b("ctrl+c", "quit", "ctrl+c", "ctrl+q"),
		Help:   b("?/f1", "help", "f1", "?"),
		Switch: b("ctrl+t", "referrals/form", "ctrl+t", "f2"),
		Sync:   b("ctrl+r", "sync directories", "ctrl+r"),
		Back:   b("esc", "back", "esc"),

		Next:   b("tab", "next", "tab"),
		Prev:   b("shift+tab", "previous field", "shift+tab"),
		Review: b("ctrl+s", "review", "ctrl+s"),
		Up:     b("↑/ctrl+p", "up", "up", "ctrl+p"),
		Down:   b("↓/ctrl+n", "down", "down", "ctrl+n"),
		Move:   key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "move")),
		Choose: b("enter", "choose", "enter"),
		None:   b("ctrl+o", "no provider", "ctrl+o"),
		Left:   b("←", "previous option", "left"),
		Right:  b("→/space", "next option", "right", "space"),
		Add:    b("enter/a", "add a file", "enter", "a"),
		Remove: b("d/del", "remove file", "d", "delete", "backspace"),
		Open:   b("enter", "choose/open", "enter", "right", "l"),
		Parent: b("←", "up a folder", "left", "backspace", "h"),

		Submit:  b("enter", "send", "enter"),
		Confirm: b("y", "send anyway", "y"),
		Edit:    b("esc/e", "edit", "esc", "e"),

		Details: b("enter", "details", "enter"),
		Reopen:  b("r", "reopen in form", "r"),
		Filter:  b("f", "filter by status", "f"),

		Found:    b("e", "found in eCW", "e"),
		NotFound: b("n", "not in eCW", "n"),

		Yes:     b("y", "yes", "y"),
		No:      b("n/esc", "no", "n", "esc"),
		Discard: b("d", "discard", "d"),
	}
}
