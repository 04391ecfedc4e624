package theme

import (
	"reflect"
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
	k := reflect.ValueOf(DefaultKeys())
	for i := 0; i < k.NumField(); i++ {
		name := k.Type().Field(i).Name
		b, ok := k.Field(i).Interface().(key.Binding)
		if !ok {
			t.Fatalf("Keys.%s is not a key.Binding", name)
		}
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("%s: keys %v help %+v", name, b.Keys(), b.Help())
		}
	}
	if k.NumField() < 40 {
		t.Fatalf("Keys has %d bindings: the walk missed them", k.NumField())
	}
}
