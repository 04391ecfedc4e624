package ui

import (
	"context"
	"fmt"
	"image/color"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/pane"
)

// listStore serves a fixed list to the pane: the benchmarks measure drawing,
// not SQLite (the tests above run the pane on a real Desk).
type listStore struct{ list []state.Referral }

func (s listStore) Referrals(context.Context, state.Filter) ([]state.Referral, error) {
	return append([]state.Referral(nil), s.list...), nil
}

func (s listStore) Get(_ context.Context, id int64) (state.Referral, []state.Transition, error) {
	for _, r := range s.list {
		if r.ID == id {
			return r, nil, nil
		}
	}
	return state.Referral{}, nil, fmt.Errorf("no referral %d", id)
}

func (listStore) Subscribe(context.Context) <-chan state.Change { return nil }

// benchModel is a root model at 140x45 (form and pane side by side, dark
// colours) whose pane holds n referrals, half of them in flight.
func benchModel(b testing.TB, n int) (*Model, *uitest.Driver) {
	b.Helper()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at.Add(time.Hour) }
	var list []state.Referral
	for i := 1; i <= n; i++ {
		st := state.Completed
		if i%2 == 0 {
			st = state.Processing
		}
		list = append(list, state.Referral{ID: int64(i), Status: st, EHRID: fmt.Sprintf("REF-%d", 1000+i),
			CreatedAt: at.Add(time.Duration(i) * time.Minute), UpdatedAt: at.Add(time.Duration(i)*time.Minute + 5*time.Second),
			ReferralInput: state.ReferralInput{PatientName: fmt.Sprintf("Doe, Patient %d", i), PatientMRN: fmt.Sprint(2000000 + i),
				Direction: "outgoing", FromEHRID: "P1", FromName: "Dr. Alpha", ToEHRID: "R7", ToName: "Dr. Seven",
				Priority: api.PriorityRoutine, Reason: "Knee pain"}})
	}
	m := newModel(Session{User: "front1", Account: "SANDBOX", Sandbox: true, Context: b.Context(), Now: now})
	m.pane = pane.New(b.Context(), listStore{list}, m.styles, m.keys, now)
	d := uitest.New(b, func(msg tea.Msg) tea.Cmd {
		_, cmd := m.Update(msg)
		return cmd
	})
	d.Run(m.pane.Init())
	d.Send(tea.WindowSizeMsg{Width: 140, Height: 45})
	d.Send(tea.BackgroundColorMsg{Color: color.Black})
	d.Settle()
	if len(m.pane.Referrals()) != n {
		b.Fatalf("pane holds %d referrals, want %d", len(m.pane.Referrals()), n)
	}
	return m, d
}

// BenchmarkRootView draws an unchanged screen again (a redraw with nothing
// new, e.g. another desk's hub change that this screen already shows).
func BenchmarkRootView(b *testing.B) {
	m, _ := benchModel(b, 20)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkRootViewPaneChange draws the screen after the pane changed (its
// cursor moved), the form unchanged: what a spinner frame or a hub change
// costs.
func BenchmarkRootViewPaneChange(b *testing.B) {
	m, _ := benchModel(b, 20)
	m.onPane = true
	down, up := uitest.Named("down"), uitest.Named("up")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := down
		if i%2 == 1 {
			k = up
		}
		i++
		m.Update(k)
		_ = m.View()
	}
}

// BenchmarkRootViewSpinnerFrame draws the screen after a spinner frame: the
// in-flight rows change, nothing else. With 50 desks this runs 250 times a
// second while a referral is in flight.
func BenchmarkRootViewSpinnerFrame(b *testing.B) {
	m, _ := benchModel(b, 20)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(spinner.TickMsg{Time: time.Now()}) // ID 0: every spinner takes it
		_ = m.View()
	}
}
