package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadSubmit reads any bytes as a submit file. A rejection is a
// non-empty message that does not echo the patient's MRN (unless the MRN
// also appears in a document name or path the message must name); an
// accepted file gives at least one referral whose every document is a
// regular file of the recorded size, inline documents decoded inside the
// inbox and nowhere else.
func FuzzReadSubmit(f *testing.F) {
	f.Add([]byte(`{"patient_mrn":"MRN-100234","referring_from_provider_ehr_id":"PROV-001","referring_to_provider_ehr_id":0,"direction":"outgoing","priority":"routine","reason":"Cardiology","diagnosis_codes":["I10"],"documents":[{"filename":"r.pdf","content_base64":"aGVsbG8="},{"path":"scan.pdf"}]}`))
	f.Add([]byte(`[{"patient_mrn":"MRN-100234","documents":[{"filename":"../../etc/passwd.txt","content_base64":"eA=="}]},{"patient_mrn":"MRN-2","documents":[{"path":"dir"}]}]`))
	f.Add([]byte(`{"patient_mrn":"MRN-100234","documents":[{"filename":"noext","content_base64":"eA=="}]}`))
	f.Add([]byte(`{"patient_mrn":"MRN-100234","documents":[{"filename":"a.pdf","content_base64":"!!"}]}`))
	f.Add([]byte(`{"patient_mrn":12345678}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`  `))
	f.Add([]byte(`{"patient_mrn":"MRN-100234",`))
	f.Add([]byte(`{"patient_mrn":"MRN-100234","documents":[{"filename":"x\\..\\..\\y.pdf","content_base64":"eA=="},{"path":"missing.pdf"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := t.TempDir()
		inbox := filepath.Join(base, "inbox")
		if err := os.WriteFile(filepath.Join(base, "scan.pdf"), []byte("%PDF-"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(base, "dir"), 0o700); err != nil {
			t.Fatal(err)
		}
		out, err := readSubmit(bytes.NewReader(data), base, inbox)
		if err != nil {
			msg := err.Error()
			if strings.TrimSpace(msg) == "" {
				t.Fatal("empty rejection")
			}
			if mrn := mentionedMRN(data); mrn != "" && strings.Contains(msg, mrn) {
				t.Fatalf("rejection echoes the MRN %q: %s", mrn, msg)
			}
			return
		}
		if len(out) == 0 {
			t.Fatal("accepted with no referral")
		}
		for _, in := range out {
			for _, d := range in.Documents {
				fi, err := os.Lstat(d.Path)
				if err != nil || !fi.Mode().IsRegular() || fi.Size() != d.Size {
					t.Fatalf("document %q: %v (size %d)", d.Path, err, d.Size)
				}
				rel, err := filepath.Rel(base, d.Path)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Fatalf("document %q outside the test's folders", d.Path)
				}
				if rel != "scan.pdf" && !strings.HasPrefix(rel, "inbox"+string(filepath.Separator)) {
					t.Fatalf("inline document written at %q, not in the inbox", rel)
				}
			}
		}
	})
}

// mentionedMRN is the file's first patient_mrn when it is long enough to
// be recognisable and no document name or path contains it.
func mentionedMRN(data []byte) string {
	var one struct {
		MRN  string            `json:"patient_mrn"`
		Docs []json.RawMessage `json:"documents"`
	}
	var many []json.RawMessage
	if json.Unmarshal(data, &many) == nil && len(many) > 0 {
		data = many[0]
	}
	if json.Unmarshal(data, &one) != nil || len(one.MRN) < 6 {
		return ""
	}
	for _, d := range one.Docs {
		if bytes.Contains(d, []byte(one.MRN)) {
			return ""
		}
	}
	if bytes.Count(data, []byte(one.MRN)) > 1 {
		return "" // also elsewhere (a field name the message may quote)
	}
	return one.MRN
}
