package theme

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

func TestClean(t *testing.T) {
	cases := map[string]string{
		"Alvarez, Maria":                 "Alvarez, Maria",
		"Ibáñez, Łukasz":                 "Ibáñez, Łukasz",
		"red\x1b[31mALERT\x1b[0m":        "redALERT",
		"clear\x1b[2J\x1b[Hscreen":       "clearscreen",
		"title\x1b]0;pwned\x07done":      "titledone",
		"link\x1b]8;;http://x\x1b\\text": "linktext",
		"csi\u009b31mred":                "csired",
		"bell\x07tab\tcr\rnl\nend":       "bell tab cr nl end",
		"bidi\u202eevil":                 "bidievil",
		"trailing esc\x1b":               "trailing esc",
		"bad utf8 \xff here":             "bad utf8 ? here",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanLines("line one\nline\x1b[1m two\r"); got != "line one\nline two " {
		t.Errorf("CleanLines = %q", got)
	}
}

func TestStylesNoColorHaveNoColour(t *testing.T) {
	for _, dark := range []bool{true, false} {
		st := New(dark, true)
		for name, s := range map[string]string{
			"error": st.Error.Render("x"), "match": st.Match.Render("x"), "badge": st.Badge.Render("SANDBOX"),
			"urgent": st.Urgent.Render("URGENT"), "box": st.Box.Render("x"),
		} {
			if strings.Contains(s, "38;") || strings.Contains(s, "48;") {
				t.Errorf("dark=%v %s has colour: %q", dark, name, s)
			}
		}
		// Still distinguishable without colour.
		if !strings.Contains(st.Match.Render("x"), "1;4") || !strings.Contains(st.Badge.Render("S"), "7") {
			t.Errorf("no-colour styles lost bold/underline/reverse")
		}
	}
	if col := New(true, false).Error.Render("x"); !strings.Contains(col, "38;") {
		t.Errorf("coloured error has no colour: %q", col)
	}
}

func TestEveryBindingHasKeysAndHelp(t *testing.T) {
	k := DefaultKeys()
	for name, b := range map[string]key.Binding{"Quit": k.Quit, "Help": k.Help, "Switch": k.Switch,
		"Sync": k.Sync, "Back": k.Back, "Next": k.Next, "Prev": k.Prev, "Review": k.Review, "Up": k.Up,
		"Down": k.Down, "Choose": k.Choose, "Left": k.Left, "Right": k.Right, "Add": k.Add, "Remove": k.Remove,
		"Open": k.Open, "Parent": k.Parent, "Submit": k.Submit, "Confirm": k.Confirm, "Edit": k.Edit,
		"Details": k.Details, "Reopen": k.Reopen, "Filter": k.Filter, "Yes": k.Yes, "No": k.No, "Discard": k.Discard} {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("%s: keys %v help %+v", name, b.Keys(), b.Help())
		}
	}
}
