package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The pane's spinner ticks only while the pane is on screen and a referral
// is in flight: in the narrow layout with the form's tab shown, or behind a
// question, no frame is scheduled (each would redraw the screen for
// nothing); shown again, it ticks again.
func TestSpinnerTicksOnlyWhenThePaneShows(t *testing.T) {
	m, d := benchModel(t, 4) // two of them Processing, 140x45: side by side
	wait := func(what string, want bool) {
		t.Helper()
		d.WaitFor(what, 2*time.Second, func() bool { return m.pane.Ticking() == want })
	}
	wait("the spinner ticking side by side", true)
	d.Send(tea.WindowSizeMsg{Width: 100, Height: 30}) // tabs, the form's shown
	wait("the spinner to stop behind the form's tab", false)
	d.Send(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl})
	if !m.onPane {
		t.Fatal("ctrl+t did not show the pane")
	}
	wait("the spinner ticking on the pane's tab", true)
	d.Send(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl})
	wait("the spinner to stop again", false)
	d.Send(tea.WindowSizeMsg{Width: 140, Height: 45})
	wait("the spinner ticking side by side again", true)
}
