package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkRejection fails unless err is a *ValidationError whose message is
// a sentence: non-empty, starting with a capital or "documents[", ending
// with a full stop.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("rejection is %T, not a ValidationError: %v", err, err)
	}
	m := ve.Message
	if m == "" || !strings.HasSuffix(m, ".") ||
		!(strings.HasPrefix(m, "documents[") || (m[0] >= 'A' && m[0] <= 'Z')) {
		t.Fatalf("rejection is not a sentence: %q", m)
	}
}

// FuzzReferralRequest builds a request from fuzzed fields and documents
// (sizes kept small so the body stays in memory) and checks: BodySize
// equals the bytes WriteBody writes; the body is JSON that decodes to the
// same fields, documents in order with the base64 of their content; the
// request's Validate and the wire body's Validate agree; every rejection
// is a ValidationError sentence.
func FuzzReferralRequest(f *testing.F) {
	f.Add("MRN-1", "PROV-1", "REF-2", "outgoing", "routine", "Cardiology consult", "I10,Z87.39", "report.pdf\x00scan.png", uint16(3), uint16(300))
	f.Add("", "0", "0", "sideways", "soon", " ", "", "", uint16(0), uint16(0))
	f.Add("M\u2028<&>", "\"", "\\", "incoming", "stat", "\x1b[2J\x00é\xff", "", "noext\x00.pdf\x00a.b.c", uint16(1), uint16(0))
	f.Fuzz(func(t *testing.T, mrn, from, to, dir, prio, reason, codes, names string, size0, size1 uint16) {
		r := ReferralRequest{PatientMRN: mrn, FromProviderEHRID: from, ToProviderEHRID: to,
			Direction: dir, Priority: prio, Reason: reason}
		if codes != "" {
			r.DiagnosisCodes = strings.Split(codes, ",")
		}
		var contents [][]byte
		if names != "" {
			for i, name := range strings.Split(names, "\x00") {
				n := int(size0)
				if i%2 == 1 {
					n = int(size1)
				}
				n %= 4096
				content := bytes.Repeat([]byte{byte(i), 0xff, 'x'}, n)[:n]
				contents = append(contents, content)
				r.Documents = append(r.Documents, Document{Filename: name, Size: int64(n),
					Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }})
			}
		}
		var buf bytes.Buffer
		if err := r.WriteBody(&buf); err != nil {
			t.Fatalf("WriteBody: %v", err)
		}
		if got := r.BodySize(); got != int64(buf.Len()) {
			t.Fatalf("BodySize %d, WriteBody wrote %d", got, buf.Len())
		}
		var w WireReferral
		if err := json.Unmarshal(buf.Bytes(), &w); err != nil {
			t.Fatalf("body is not JSON: %v\n%q", err, buf.Bytes())
		}
		if !allValidUTF8(mrn, from, to, dir, prio, reason, codes, names) {
			return // encoding/json writes U+FFFD for bad bytes: no round trip
		}
		if w.PatientMRN != mrn || w.FromProviderEHRID != from || w.ToProviderEHRID != to ||
			w.Direction != dir || w.Priority != prio || w.Reason != reason ||
			strings.Join(w.DiagnosisCodes, ",") != codes || len(w.Documents) != len(r.Documents) {
			t.Fatalf("body does not hold the request: %+v", w)
		}
		for i, d := range w.Documents {
			if d.Filename != r.Documents[i].Filename || d.ContentBase64 != base64.StdEncoding.EncodeToString(contents[i]) {
				t.Fatalf("document %d differs", i)
			}
		}
		reqErr, wireErr := r.Validate(), w.Validate()
		if reqErr != nil {
			checkRejection(t, reqErr)
		}
		if wireErr != nil {
			checkRejection(t, wireErr)
		}
		if (reqErr == nil) != (wireErr == nil) || (reqErr != nil && reqErr.Error() != wireErr.Error()) {
			t.Fatalf("Validate disagrees: request %v, wire %v", reqErr, wireErr)
		}
	})
}

func allValidUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// FuzzWireReferralValidate decodes any JSON as the wire body: every
// rejection is a ValidationError sentence, and an accepted body has every
// required field, a known priority and direction, and documents with an
// extension and non-empty, valid base64.
func FuzzWireReferralValidate(f *testing.F) {
	f.Add([]byte(`{"patient_mrn":"MRN-1","referring_from_provider_ehr_id":"P1","referring_to_provider_ehr_id":"R2","direction":"outgoing","priority":"urgent","reason":"r","documents":[{"filename":"a.pdf","content_base64":"aGVsbG8="}]}`))
	f.Add([]byte(`{"patient_mrn":" ","direction":"incoming","priority":"stat","documents":[{"filename":".pdf","content_base64":"!"}]}`))
	f.Add([]byte(`{"patient_mrn":"m","referring_from_provider_ehr_id":"0","referring_to_provider_ehr_id":"0","direction":"incoming","priority":"stat","reason":"x","documents":[{"filename":"dir\\x.txt","content_base64":"aGk"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w WireReferral
		if json.Unmarshal(body, &w) != nil {
			return
		}
		err := w.Validate()
		if err != nil {
			checkRejection(t, err)
			return
		}
		for _, v := range []string{w.PatientMRN, w.FromProviderEHRID, w.ToProviderEHRID, w.Reason} {
			if strings.TrimSpace(v) == "" {
				t.Fatal("accepted with a required field blank")
			}
		}
		if _, _, ok := DirectoryFor(w.Direction); !ok {
			t.Fatalf("accepted direction %q", w.Direction)
		}
		if w.Priority != PriorityRoutine && w.Priority != PriorityUrgent && w.Priority != PriorityStat {
			t.Fatalf("accepted priority %q", w.Priority)
		}
		for _, d := range w.Documents {
			raw, err := base64.StdEncoding.DecodeString(d.ContentBase64)
			if !HasExtension(d.Filename) || err != nil || len(raw) == 0 {
				t.Fatalf("accepted document %q", d.Filename)
			}
		}
	})
}
