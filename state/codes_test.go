package state

import (
	"context"
	"errors"
	"strings"
	"testing"

	"refdesk/api/sandbox"
)

// The codes rule on the path that sends: refused codes never leave, with
// the words of icd10's check; accepted ones leave canonical.
func TestSubmitChecksCodes(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	for _, c := range []struct{ code, msg string }{
		{"I42.0", "I42.0 is a category; choose one of its codes: I42.00, I42.01, I42.09."},
		{"I1O", "I1O is not a code; did you mean I10 (Essential (primary) hypertension)?"},
		{"hypertension", "“hypertension” is not a code; search for it in the Diagnosis codes field or with `refdesk codes`."},
	} {
		in := sampleInput()
		in.DiagnosisCodes = []string{"I10", c.code}
		var ce *CheckError
		if err := e.d.Check(in); !errors.As(err, &ce) || ce.Field != "codes" || ce.Message != c.msg {
			t.Errorf("Check %s: %v\nwant %q", c.code, err, c.msg)
		}
		if _, err := e.d.Submit(ctx, "amy", in); !errors.As(err, &ce) || ce.Message != c.msg {
			t.Errorf("Submit %s: %v", c.code, err)
		}
	}
	if n := e.sb.Stats().Referrals; n != 0 {
		t.Fatalf("the sandbox received %d referrals; refused codes must not leave", n)
	}
	refs, _ := e.d.Referrals(ctx, Filter{})
	if len(refs) != 0 {
		t.Fatalf("%d referrals stored for refused input", len(refs))
	}

	in := sampleInput()
	in.DiagnosisCodes = []string{"i10", "Z8739", "f64a", "I42.01", "I10"}
	r, err := e.d.Submit(ctx, "amy", in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.DiagnosisCodes, ","); got != "I10,Z87.39,F64.A,I42.01" {
		t.Errorf("stored codes %s, want canonical without repeats", got)
	}
	r = waitFor(t, e.d, r.ID, patience, terminal)
	if r.Status != Completed {
		t.Errorf("FY2027 codes: %s %s", r.Status, r.FailureReason)
	}
}

// The sandbox fails a referral whose code eCW would not know, as a client
// that does not check would see it.
func TestSandboxFailsUnknownCode(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: sandbox.Options{FailureRate: sandbox.Rate(0)}})
	ctx := context.Background()
	for code, want := range map[string]string{
		"I1O":   "Unable to create referral in eCW. eCW rejected diagnosis code 'I1O': not a valid ICD-10 code.",
		"I42.0": "Unable to create referral in eCW. eCW rejected diagnosis code 'I42.0': not a billable ICD-10 code (it is a category).",
	} {
		in := sampleInput()
		in.DiagnosisCodes = []string{code}
		id := outbox(t, e.d, in) // as a client that does not check would send it
		req, _ := e.d.request(ctx, sampleInput())
		req.DiagnosisCodes = []string{code}
		r, err := e.d.send(ctx, id, req)
		if err != nil || r.Status != Processing {
			t.Fatalf("%s: the sandbox should queue it: %v %+v", code, err, r)
		}
		r = waitFor(t, e.d, id, patience, terminal)
		if r.Status != Failed || r.FailureReason != want {
			t.Errorf("%s: %s %q\nwant Failed %q", code, r.Status, r.FailureReason, want)
		}
	}
}
