package ui

import (
	"strings"
	"testing"
)

// With the settle question open in the details at 80x24, the details give
// up rows, but "Needs attention" (why a person is asked) stays among the
// lines kept, whatever the reason's length; and with room, the details
// keep their order.
func TestNeedsAttentionKeptWithTheQuestionAt80x24(t *testing.T) {
	for _, reason := range []string{"Settle me", strings.Repeat("A long reason that wraps over many lines. ", 6)} {
		e := flaggedEnv(t, 80, 24, reason)
		e.d.Press("enter")
		e.waitView("Referral #1", "Needs attention:")
		e.d.Press("e")
		e.waitView("Found in eCW — its EHR id:")
		v := e.view()
		if !strings.Contains(v, "…") {
			t.Fatalf("the details were not cut, the test shows nothing:\n%s", v)
		}
		if !strings.Contains(v, "Needs attention:") || !strings.Contains(v, "Found in eCW — its EHR id:") ||
			strings.Count(v, "\n")+1 != 24 {
			t.Fatalf("reason %.20q: Needs attention cut with the question open:\n%s", reason, v)
		}
		e.d.Press("esc") // the question closes: the details in their order again
		e.waitView("e found in eCW")
		if v := e.view(); strings.Index(v, "Patient:") > strings.Index(v, "Needs attention:") && !strings.Contains(v, "…") {
			t.Fatalf("with room, Needs attention moved above the patient:\n%s", v)
		}
	}
}
