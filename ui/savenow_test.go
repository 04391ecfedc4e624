package ui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/internal/uitest"
)

// Leaving a field saves the draft at once; a server shutting down (or a
// dropped connection) sends SaveDraftMsg: the form is saved at once, without
// waiting for a pause in typing.
func TestSaveDraftMsgSavesAtOnce(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.m = newModel(Session{Desk: e.desk, User: "front1", Account: "SANDBOX", Sandbox: true,
		DocumentsDir: e.docs, Context: e.ctx, NoColor: true, DraftDelay: time.Hour})
	e.d = uitest.New(e.t, func(msg tea.Msg) tea.Cmd {
		_, cmd := e.m.Update(msg)
		return cmd
	})
	e.d.Run(e.m.Init())
	e.d.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	patient := e.entry(state.Patients, 0)
	e.d.Type(patient.Key)
	e.d.Press("enter") // focus moves on to Direction: the patient is saved
	e.d.WaitFor("the draft saved on leaving the patient field", 5*time.Second, func() bool { return !e.m.unsaved() })
	if in, _, ok, err := e.desk.LoadDraft(e.ctx, "front1"); err != nil || !ok || in.PatientMRN != patient.Key {
		t.Fatalf("after the focus moved: draft %+v ok=%v err=%v", in, ok, err)
	}
	e.d.Press("right", "right") // outgoing by the arrows, the focus stays: saved only after an hour's pause
	if !e.m.unsaved() {
		t.Fatal("typing left nothing unsaved; the test cannot tell a save apart")
	}
	e.d.Send(SaveDraftMsg{Reason: "shutdown"})
	e.d.WaitFor("draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
	in, _, ok, err := e.desk.LoadDraft(e.ctx, "front1")
	if err != nil || !ok || in.PatientMRN != patient.Key || in.Direction != "outgoing" {
		t.Fatalf("draft %+v ok=%v err=%v", in, ok, err)
	}
}

// A draft write made as the session ends is not cancelled with it: the
// session's context is already cancelled when SaveDraftMsg arrives after a
// dropped connection.
func TestSaveDraftAfterTheSessionEnded(t *testing.T) {
	e := newEnv(t, 120, 40)
	sctx, end := context.WithCancel(e.ctx)
	e.m = newModel(Session{Desk: e.desk, User: "front2", DocumentsDir: e.docs, Context: sctx,
		NoColor: true, DraftDelay: time.Hour})
	e.d = uitest.New(e.t, func(msg tea.Msg) tea.Cmd {
		_, cmd := e.m.Update(msg)
		return cmd
	})
	e.d.Run(e.m.Init())
	e.d.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	e.d.Press("tab", "tab", "tab", "tab", "tab") // to Reason
	e.d.Type("Typed just before the drop")
	if !e.m.unsaved() {
		t.Fatal("typing left nothing unsaved; the test cannot tell a save apart")
	}
	end()
	e.d.Send(SaveDraftMsg{Reason: "disconnect"})
	e.d.WaitFor("draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
	in, _, ok, err := e.desk.LoadDraft(e.ctx, "front2")
	if err != nil || !ok || in.Reason != "Typed just before the drop" {
		t.Fatalf("draft %+v ok=%v err=%v", in, ok, err)
	}
}
