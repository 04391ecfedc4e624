package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"refdesk/api"
	"refdesk/state"
)

// submitDoc is a document in a submit file: inline as on Cobalt's page
// ({"filename", "content_base64"}) or by path ({"path"}, read for you).
type submitDoc struct {
	Filename      string `json:"filename"`
	ContentBase64 string `json:"content_base64"`
	Path          string `json:"path"`
}

// submitItem is one referral in a submit file: the body of
// POST /v1/referrals, with documents that may be given by path.
type submitItem struct {
	PatientMRN        string      `json:"patient_mrn"`
	FromProviderEHRID idString    `json:"referring_from_provider_ehr_id"`
	ToProviderEHRID   idString    `json:"referring_to_provider_ehr_id"`
	Direction         string      `json:"direction"`
	Priority          string      `json:"priority"`
	Reason            string      `json:"reason"`
	DiagnosisCodes    []string    `json:"diagnosis_codes"`
	Documents         []submitDoc `json:"documents"`
}

// idString is a provider id given as a string ("PROV-001") or, as Cobalt's
// page allows for "no provider", as the number 0.
type idString string

func (s *idString) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*s = idString(n.String())
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	*s = idString(str)
	return nil
}

// maxSubmitFile bounds what submit reads: 100 referrals at the request limit
// is already far more than any intake export.
const maxSubmitFile = 256 << 20

// readSubmit reads one referral or a JSON array of them. baseDir resolves
// relative document paths; inboxDir receives inline documents, decoded, so
// that every document the store records has a path it can be reopened from.
func readSubmit(r io.Reader, baseDir, inboxDir string) ([]state.ReferralInput, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSubmitFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the referrals: %w", err)
	}
	if len(data) > maxSubmitFile {
		return nil, errors.New("the file is larger than 256 MB: split it into several files")
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("the input is empty: give a JSON object in the shape of POST /v1/referrals, or an array of them")
	}
	var items []submitItem
	dec := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		return d.Decode(v)
	}
	if data[0] == '[' {
		err = dec(&items)
	} else {
		var one submitItem
		err = dec(&one)
		items = []submitItem{one}
	}
	if err != nil {
		return nil, fmt.Errorf("the input is not valid JSON for a referral: %s. Check it against Cobalt's POST /v1/referrals body", jsonProblem(err))
	}
	if len(items) == 0 {
		return nil, errors.New("the array holds no referrals")
	}
	out := make([]state.ReferralInput, 0, len(items))
	for i, it := range items {
		in, err := it.input(i, baseDir, inboxDir)
		if err != nil {
			if len(items) > 1 {
				return nil, fmt.Errorf("referral %d: %w", i+1, err)
			}
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// jsonProblem says where JSON went wrong without echoing its content (which
// may hold PHI).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type (%s where %s was expected)", te.Field, te.Value, te.Type)
	}
	return "it ends early or has the wrong shape"
}

func (it submitItem) input(i int, baseDir, inboxDir string) (state.ReferralInput, error) {
	in := state.ReferralInput{
		PatientMRN: strings.TrimSpace(it.PatientMRN),
		FromEHRID:  strings.TrimSpace(string(it.FromProviderEHRID)),
		ToEHRID:    strings.TrimSpace(string(it.ToProviderEHRID)),
		Direction:  it.Direction, Priority: it.Priority, Reason: it.Reason,
		DiagnosisCodes: it.DiagnosisCodes,
	}
	for j, d := range it.Documents {
		ref, err := d.ref(j, baseDir, inboxDir)
		if err != nil {
			return in, err
		}
		in.Documents = append(in.Documents, ref)
	}
	return in, nil
}

func (d submitDoc) ref(j int, baseDir, inboxDir string) (state.DocumentRef, error) {
	if d.Path != "" {
		p := d.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			// The path is not repeated: file names can carry a patient's name.
			return state.DocumentRef{}, fmt.Errorf("documents[%d]: cannot read the file given as its path: %w", j, errors.Unwrap(err))
		}
		if fi.IsDir() {
			return state.DocumentRef{}, fmt.Errorf("documents[%d]: the path is a folder, not a file", j)
		}
		name := d.Filename
		if name == "" {
			name = filepath.Base(p)
		}
		return state.DocumentRef{Name: name, Path: p, Size: fi.Size()}, nil
	}
	if !api.HasExtension(d.Filename) {
		return state.DocumentRef{}, &api.ValidationError{Message: api.FilenameMessage(j)}
	}
	raw, err := base64.StdEncoding.DecodeString(d.ContentBase64)
	if err != nil || len(raw) == 0 {
		return state.DocumentRef{}, &api.ValidationError{Message: api.ContentMessage(j)}
	}
	if err := os.MkdirAll(inboxDir, 0o700); err != nil {
		return state.DocumentRef{}, fmt.Errorf("cannot keep documents[%d]: %w", j, err)
	}
	dir, err := os.MkdirTemp(inboxDir, "doc-")
	if err != nil {
		return state.DocumentRef{}, fmt.Errorf("cannot keep documents[%d]: %w", j, err)
	}
	p := filepath.Join(dir, filepath.Base(strings.ReplaceAll(d.Filename, "\\", "/")))
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		return state.DocumentRef{}, fmt.Errorf("cannot keep documents[%d]: %w", j, err)
	}
	return state.DocumentRef{Name: d.Filename, Path: p, Size: int64(len(raw))}, nil
}
