package serve

import (
	"log/slog"
	"reflect"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// wrap recognises tea.Sequence's unexported message by its shape (a slice
// of tea.Cmd) and must hand Bubble Tea back the same type with every
// command guarded. This pins that shape: an upgrade that changes it fails
// here, not by a panic in a sequence taking the whole server down.
func TestGuardKeepsBubbleTeaSequenceMessage(t *testing.T) {
	one := func() tea.Msg { return "one" }
	boom := func() tea.Msg { panic("boom") }
	seq := tea.Sequence(one, boom)
	raw := seq()
	v := reflect.ValueOf(raw)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		t.Fatalf("Bubble Tea's tea.Sequence message is now %T; update guard.wrap (and uitest's Driver)", raw)
	}
	d := &desk{}
	g := &guard{srv: &Server{log: slog.New(slog.DiscardHandler)}, desk: d}
	got := g.wrap(seq)()
	if reflect.TypeOf(got) != reflect.TypeOf(raw) {
		t.Fatalf("wrap turned %T into %T: Bubble Tea would no longer run it as a sequence", raw, got)
	}
	inner := reflect.ValueOf(got).Index(1).Interface().(tea.Cmd)
	if _, ok := inner().(panicMsg); !ok || !d.panicked {
		t.Fatal("a command inside the sequence is not guarded")
	}
}
