package uitest

import (
	"reflect"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Driver.handle and serve/guard.go's wrap recognise tea.Sequence's
// message, which Bubble Tea does not export, by its shape: a slice of
// tea.Cmd that is not tea.BatchMsg. This pins that shape, so an upgrade
// that changes it fails here instead of silently dropping sequences.
func TestBubbleTeaSequenceMessageShape(t *testing.T) {
	one := func() tea.Msg { return "one" }
	two := func() tea.Msg { return "two" }
	msg := tea.Sequence(one, two)()
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != cmdType || v.Len() != 2 {
		t.Fatalf("Bubble Tea's tea.Sequence message is now %T (%v); update Driver.handle and serve/guard.go's wrap", msg, msg)
	}
	if _, batch := msg.(tea.BatchMsg); batch {
		t.Fatalf("tea.Sequence's message is a tea.BatchMsg: sequences would run concurrently")
	}
	// And the Driver runs it in order.
	var got []tea.Msg
	d := New(t, func(m tea.Msg) tea.Cmd { got = append(got, m); return nil })
	d.Send(msg)
	if len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Fatalf("the Driver ran the sequence as %v, want [one two]", got)
	}
}
