package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/ui/internal/uitest"
	"refdesk/ui/pane"
)

// Without a desk (a wiring mistake, or a screen shown before the store
// opens) the screen still works and says what is missing instead of
// crashing.
func TestWithoutDeskTheFormStillValidates(t *testing.T) {
	m := New(Session{User: "u", NoColor: true})
	d := uitest.New(t, func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		_, cmd = m.Update(msg)
		return cmd
	})
	d.Run(m.Init())
	d.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.Press("ctrl+s")
	v := uitest.Plain(m.View().Content)
	if !strings.Contains(v, "To fix: Patient, Direction, From, To and Reason") || !strings.Contains(v, "directories never synced") {
		t.Fatalf("view:\n%s", v)
	}
	d.Press("ctrl+c")
	if !d.Quit {
		t.Fatal("ctrl+c on an empty form did not quit")
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 14 * time.Second: "14s", 185 * time.Second: "3m05s", 130 * time.Minute: "2h10m", 72 * time.Hour: "3d", -time.Second: "0s",
	} {
		if got := pane.Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
