package ui

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/state"
)

// Terminal control sequences an attacker (or a corrupted EHR row) could
// put in text Cobalt sends: OSC 52 writes the user's clipboard, CSI 2J
// clears the screen, OSC 0 retitles the window, U+202E reverses text.
const (
	osc52   = "\x1b]52;c;cGF5bG9hZA==\x07"
	hostile = osc52 + "\x1b[2J\x1b]0;owned\x07\x1b[31m\u202e\u009b2J"
)

// inert fails if the screen carries any of the hostile sequences. The
// view's own styling uses ESC for bold and reverse (no colour: NoColor);
// none of the data's sequences (OSC, clear, red, BEL, C1 CSI U+009B, the
// bidi override) may survive. Their printable remains ("]52;c;…") may be
// shown as text: inert, if untidy (the picker list turns each control
// character into a space rather than dropping whole sequences).
func inert(t *testing.T, where, raw string) {
	t.Helper()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[31m", "\x07", "\u009b", "\u202e"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("%s: %q reached the screen:\n%q", where, bad, raw)
		}
	}
}

// renaming serves the sandbox with some names replaced in the directory
// listings, as a hostile or corrupted EHR would send them.
func renaming(next http.Handler, names map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "providers") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		for from, to := range names {
			f, _ := json.Marshal(from)
			tj, _ := json.Marshal(to)
			body = bytes.ReplaceAll(body, f, tj)
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// Provider names and failure reasons from Cobalt carrying terminal control
// sequences are drawn inert: in the picker list, on the review, in the
// pane and in the failure shown after referral.failed.
func TestHostileTextFromCobaltIsInert(t *testing.T) {
	evilProv, evilRef := "Zyxwv"+hostile+" Evil, Doc", "Qwxyz"+hostile+" Bad, Doc"
	// The directories come through a server that renames two providers.
	e := newEnvWith(t, 120, 40, envOpts{noReconcile: true, rig: func(o *sandboxtest.Options) {
		o.Wrap = func(sb *sandbox.Server) http.Handler {
			dir := sb.Directory()
			return renaming(sb, map[string]string{dir.Provider(0).Name: evilProv, dir.ReferringProvider(0).Name: evilRef})
		}
	}})
	e.sb.SetDelay(time.Hour, time.Hour) // the sandbox never answers: we do
	if r := e.desk.Index(state.Providers).Search("Zyxwv", 1); r.Total != 1 || !strings.Contains(r.Matches[0].Entry.Name, "\x1b]52") {
		t.Fatalf("the hostile name did not reach the index as sent (the test would prove nothing): %+v", r)
	}

	patient := e.entry(state.Patients, 0)
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type("o") // and on to From
	e.d.Type("Zyxwv")
	e.waitView("Zyxwv")
	inert(t, "provider picker", e.m.View().Content)
	e.d.Press("enter")
	e.d.Type("Qwxyz")
	e.waitView("Qwxyz")
	inert(t, "referring provider picker", e.m.View().Content)
	e.d.Press("enter")
	e.d.Type("r") // and on to Reason
	e.d.Type("Hostile text")
	e.d.Press("tab")
	e.d.Press("enter")
	e.d.Press("ctrl+s")
	e.waitView("Ready to send", "Evil, Doc", "Bad, Doc")
	inert(t, "review", e.m.View().Content)
	e.d.Press("enter")
	e.waitView("PROCESSING")
	list, err := e.desk.Referrals(e.ctx, state.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("referrals: %v %d", err, len(list))
	}
	r := list[0]
	data, _ := json.Marshal(api.ReferralEventData{ReferralID: r.ReferralID, PatientMRN: r.PatientMRN,
		FailureReason: "EHR" + hostile + " said no",
		Reasons:       []api.FailureCause{{Code: "x" + osc52, Description: "bad" + hostile + " row"}}})
	ev := api.Event{ID: "evt-hostile", Object: "event", Type: api.EventReferralFailed, JobID: api.JobID(r.JobID), Data: data}
	if err := e.desk.ApplyEvent(e.ctx, ev); err != nil {
		t.Fatal(err)
	}
	e.waitView("FAILED", "said no")
	inert(t, "failed referral", e.m.View().Content)
}
