package state

import (
	"context"
	"testing"
)

// After a restart the pickers' empty search still starts with what the
// clinic referred to most and last, patients included, and the file
// picker still knows which scans were sent.
func TestRecencyAndSentDocumentsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	top := func(dir Directory, n int) []string {
		var keys []string
		for _, m := range e.d.Index(dir).Search("", n).Matches {
			keys = append(keys, m.Entry.Key)
		}
		return keys
	}
	refs := top(ReferringProviders, 300)
	pats := top(Patients, 300)
	often, last, patient := refs[250], refs[200], pats[180]
	send := func(to, mrn, doc string) {
		t.Helper()
		in := sampleInput()
		in.ToEHRID, in.PatientMRN = to, mrn
		if doc != "" {
			in.Documents = []DocumentRef{{Name: "scan.pdf", Path: doc, Size: 10}}
		}
		outbox(t, e.d, in)
	}
	for i := 0; i < 3; i++ {
		send(often, patient, "")
	}
	send(last, "414421", "/scans/scan-0002.pdf")
	if err := e.d.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(t, Options{})
	got := top(ReferringProviders, 2)
	if len(got) != 2 || !(got[0] == often || got[0] == last) || !(got[1] == often || got[1] == last) {
		t.Fatalf("after a restart the empty search starts with %v, want %s and %s", got, often, last)
	}
	if p := top(Patients, 2); len(p) < 2 || (p[0] != patient && p[1] != patient) {
		t.Fatalf("after a restart the patients start with %v, want %s among them", p, patient)
	}
	if f := top(Providers, 1); len(f) != 1 || f[0] != "PROV-001" {
		t.Fatalf("From: %v", f)
	}
	paths, err := e.d.SentDocumentPaths(ctx, 100)
	if err != nil || !paths["/scans/scan-0002.pdf"] || len(paths) != 1 {
		t.Fatalf("sent documents: %v %v", paths, err)
	}
}
