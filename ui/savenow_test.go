package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/internal/uitest"
)

// A server shutting down sends SaveDraftMsg: the form is saved at once,
// without waiting for a pause in typing.
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
	e.d.Press("enter")
	if !e.m.unsaved() {
		t.Fatal("typing left nothing unsaved; the test cannot tell a save apart")
	}
	e.d.Send(SaveDraftMsg{Reason: "shutdown"})
	e.d.WaitFor("draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
	in, _, ok, err := e.desk.LoadDraft(e.ctx, "front1")
	if err != nil || !ok || in.PatientMRN != patient.Key {
		t.Fatalf("draft %+v ok=%v err=%v", in, ok, err)
	}
}
