package ui

import (
	"flag"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

var update = flag.Bool("update", false, "rewrite the golden views in testdata/")

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q", name, i+1, g, w)
			}
		}
	}
}

// The views are taken with the styles fixed: no colour (NO_COLOR: bold,
// underline and reverse only) at 80x24, and the dark background's colours
// at 120x40, as the program writes them before its renderer downsamples.
func TestGoldenViews(t *testing.T) {
	e := newEnv(t, 80, 24)
	golden(t, "start-80x24-nocolor.golden", e.m.View().Content)

	e.d.Type("doe")
	e.d.Press("enter")
	e.d.Type("o") // outgoing, and on to From
	golden(t, "from-picker-80x24-nocolor.golden", e.m.View().Content)

	e.m.s.NoColor = false
	e.d.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	e.d.Send(tea.BackgroundColorMsg{Color: color.Black})
	golden(t, "from-picker-120x40-dark.golden", e.m.View().Content)
	if !strings.Contains(e.m.View().Content, "\x1b[38;2;") {
		t.Fatal("the dark view has no colour")
	}
}
