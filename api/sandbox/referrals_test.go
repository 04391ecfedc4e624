package sandbox_test

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// The page's example request is accepted verbatim, with the page's answer.
func TestPageExampleAccepted(t *testing.T) {
	e := quick(t, sandbox.Options{})
	status, out := e.call("POST", "/v1/referrals", exampleBody)
	if status != 200 {
		t.Fatalf("status %d: %s", status, out)
	}
	// Field order and types as the page's example answer.
	re := regexp.MustCompile(`^\{"success":true,"message":"Referral queued for creation\. A webhook event will be sent upon completion\.","referral_id":"[0-9a-f]{32}","job_id":[0-9]+\}\n?$`)
	if !re.Match(out) {
		t.Fatalf("answer %s does not match the page's shape", out)
	}
	if got := e.sb.Stats().Referrals; got != 1 {
		t.Fatalf("referrals = %d, want 1", got)
	}
}

// Every error example on the page, with its exact string.
func TestPageErrorMessages(t *testing.T) {
	e := quick(t, sandbox.Options{})
	const (
		pagePatient  = "Patient with MRN '1234567' not found. Ensure the patient has been synced."
		pageProvider = "Unknown provider(s): referring_to_provider_ehr_id 'PROV-002' was not found in referring providers. Ensure the provider has been synced."
	)
	cases := []struct {
		name string
		body any
		want string
	}{
		{"missing", body(func(m map[string]any) { delete(m, "patient_mrn"); m["reason"] = "" }),
			"Missing required fields: patient_mrn, reason."},
		{"missing all in page order", "{}",
			"Missing required fields: patient_mrn, referring_from_provider_ehr_id, referring_to_provider_ehr_id, direction, priority, reason."},
		{"priority", body(func(m map[string]any) { m["priority"] = "high" }),
			"Invalid priority. Must be one of: routine, urgent, stat."},
		{"direction", body(func(m map[string]any) { m["direction"] = "sideways" }),
			"Invalid direction. Must be one of: incoming, outgoing."},
		{"document extension", body(func(m map[string]any) {
			m["documents"] = []map[string]string{{"filename": "consult-note", "content_base64": "JVBERi0xLjQK"}}
		}), `documents[0].filename must include a file extension (e.g. "report.pdf").`},
		// The page's sample MRN exists in the sandbox, so the page's sentence
		// is checked with another MRN in its place.
		{"patient", body(func(m map[string]any) { m["patient_mrn"] = "7654321" }),
			strings.ReplaceAll(pagePatient, "1234567", "7654321")},
		{"provider", body(func(m map[string]any) { m["referring_to_provider_ehr_id"] = "PROV-404" }),
			strings.ReplaceAll(pageProvider, "PROV-002", "PROV-404")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.call("POST", "/v1/referrals", c.body)
			wantError(t, status, out, 400, c.want)
		})
	}
	if n := e.sb.Stats().Referrals; n != 0 {
		t.Fatalf("%d referrals created by refused requests", n)
	}
}

// The direction table, both ways, and "0" on either side.
func TestDirectionTable(t *testing.T) {
	e := quick(t, sandbox.Options{})
	ok := []struct{ dir, from, to string }{
		{"outgoing", "PROV-001", "PROV-002"}, // from → providers, to → referring
		{"incoming", "PROV-002", "PROV-001"}, // from → referring, to → providers
		{"incoming", "5521", "PROV-001"},
		{"outgoing", "0", "PROV-002"}, {"outgoing", "PROV-001", "0"},
		{"incoming", "0", "0"}, {"outgoing", "0", "0"},
	}
	for _, c := range ok {
		e.post(body(func(m map[string]any) {
			m["direction"], m["referring_from_provider_ehr_id"], m["referring_to_provider_ehr_id"] = c.dir, c.from, c.to
		}))
	}
	bad := []struct{ dir, from, to, want string }{
		{"incoming", "PROV-001", "PROV-002", "Unknown provider(s): referring_from_provider_ehr_id 'PROV-001' was not found in referring providers; referring_to_provider_ehr_id 'PROV-002' was not found in providers. Ensure the provider has been synced."},
		{"outgoing", "PROV-002", "PROV-001", "Unknown provider(s): referring_from_provider_ehr_id 'PROV-002' was not found in providers; referring_to_provider_ehr_id 'PROV-001' was not found in referring providers. Ensure the provider has been synced."},
		{"incoming", "0", "PROV-002", "Unknown provider(s): referring_to_provider_ehr_id 'PROV-002' was not found in providers. Ensure the provider has been synced."},
		{"outgoing", "5521", "0", "Unknown provider(s): referring_from_provider_ehr_id '5521' was not found in providers. Ensure the provider has been synced."},
	}
	for _, c := range bad {
		status, out := e.call("POST", "/v1/referrals", body(func(m map[string]any) {
			m["direction"], m["referring_from_provider_ehr_id"], m["referring_to_provider_ehr_id"] = c.dir, c.from, c.to
		}))
		wantError(t, status, out, 400, c.want)
	}
	if n := e.sb.Stats().Referrals; n != len(ok) {
		t.Fatalf("referrals = %d, want %d", n, len(ok))
	}
}

func TestDocumentRules(t *testing.T) {
	e := quick(t, sandbox.Options{})
	good := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n"))
	docs := func(d ...map[string]string) any {
		return body(func(m map[string]any) { m["documents"] = d })
	}
	doc := func(name, content string) map[string]string {
		return map[string]string{"filename": name, "content_base64": content}
	}
	cases := []struct {
		body any
		want string
	}{
		{docs(doc("report", good)), api.FilenameMessage(0)},
		{docs(doc(".pdf", good)), api.FilenameMessage(0)},
		{docs(doc("a.pdf", good), doc("notes", good)), api.FilenameMessage(1)},
		{docs(doc("a.pdf", "")), api.ContentMessage(0)},
		{docs(doc("a.pdf", "not base64!")), api.ContentMessage(0)},
		// The page's own documents example elides its content with "...",
		// which is not valid base64: refused, as the page's rule says.
		{docs(doc("consult-note.pdf", "JVBERi0xLjQKJ...")), api.ContentMessage(0)},
	}
	for _, c := range cases {
		status, out := e.call("POST", "/v1/referrals", c.body)
		wantError(t, status, out, 400, c.want)
	}
	e.post(docs(doc("consult-note.pdf", good), doc("scan.tiff", good)))
}

// Bodies up to 25 MB are accepted; past it, 413 and nothing created.
func TestBodyLimit(t *testing.T) {
	e := quick(t, sandbox.Options{})
	mk := func(total int) []byte {
		head := `{"patient_mrn":"1234567","referring_from_provider_ehr_id":"PROV-001","referring_to_provider_ehr_id":"PROV-002","direction":"outgoing","priority":"routine","reason":"r","documents":[{"filename":"big.pdf","content_base64":"`
		tail := `"}]}`
		n := (total - len(head) - len(tail)) / 4 * 4
		return []byte(head + strings.Repeat("QUJD", n/4) + tail)
	}
	under := mk(api.MaxRequestBytes - 10)
	e.post(under)
	status, out := e.call("POST", "/v1/referrals", mk(api.MaxRequestBytes+100))
	wantError(t, status, out, 413, "Request body too large. The limit is 25 MB.")
	if n := e.sb.Stats().Referrals; n != 1 {
		t.Fatalf("referrals = %d, want 1", n)
	}
}

func TestAuth(t *testing.T) {
	e := quick(t, sandbox.Options{AccessToken: "tok"})
	good := map[string]string{"client_id": "sandbox", "client_secret": "sandbox", "access_token": "tok"}
	for _, path := range []string{"/v1/providers", "/v1/referring-providers", "/v1/patients", "/v1/webhook"} {
		status, out := e.callAs("GET", path, nil, map[string]string{"client_id": "sandbox", "client_secret": "sandbox", "access_token": "wrong"})
		wantError(t, status, out, 401, "User not found.")
		status, out = e.callAs("GET", path, nil, map[string]string{"client_id": "sandbox", "client_secret": "sandbox"})
		wantError(t, status, out, 401, "User not found.")
		status, out = e.callAs("GET", path, nil, map[string]string{"client_id": "x", "client_secret": "sandbox", "access_token": "tok"})
		wantError(t, status, out, 401, "Invalid client_id or client_secret.")
		if status, out := e.callAs("GET", path, nil, good); status != 200 {
			t.Errorf("%s with good credentials: %d %s", path, status, out)
		}
	}
	// The page's exact User Not Found body.
	status, out := e.callAs("POST", "/v1/referrals", exampleBody, map[string]string{"client_id": "sandbox", "client_secret": "sandbox", "access_token": "493JKLHIU98789hLKH9HHJH"})
	wantError(t, status, out, 401, "User not found.")
	if e.sb.Stats().Referrals != 0 {
		t.Fatal("an unauthenticated POST created a referral")
	}
	if status, _ := e.callAs("GET", "/healthz", nil, nil); status != 200 {
		t.Fatalf("/healthz = %d", status)
	}
}

// ErrorRate answers 5xx and creates nothing; it can be changed at run time.
func TestErrorRate(t *testing.T) {
	e := quick(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	for range 5 {
		status, out := e.call("POST", "/v1/referrals", exampleBody)
		wantError(t, status, out, 500, "Internal server error.")
	}
	if n := e.sb.Stats().Referrals; n != 0 {
		t.Fatalf("5xx answers created %d referrals", n)
	}
	e.sb.SetFaults(sandbox.Faults{})
	e.post(exampleBody)
	if n := e.sb.Stats().Referrals; n != 1 {
		t.Fatalf("referrals = %d, want 1", n)
	}
}

func TestListReferrals(t *testing.T) {
	e := quick(t, sandbox.Options{})
	id, _ := e.post(exampleBody)
	status, out := e.call("GET", "/v1/referrals", nil)
	wantError(t, status, out, 400, "Missing required query parameters: start_date, end_date.")
	status, out = e.call("GET", "/v1/referrals?start_date=2000-01-01&end_date=2999-12-31&page_size=101", nil)
	wantError(t, status, out, 400, "Invalid page_size. Must be between 1 and 100.")
	status, out = e.call("GET", "/v1/referrals?start_date=2000-01-01&end_date=2999-12-31&patient_mrn=1234567", nil)
	if status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	var got struct {
		Referrals  []api.Referral `json:"referrals"`
		Pagination api.Pagination `json:"pagination"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Referrals) != 1 || got.Referrals[0].ID != id || got.Referrals[0].ToProviderName != "Okafor, Ngozi" ||
		got.Pagination.TotalCount != 1 || len(got.Referrals[0].DiagnosisCodes) != 2 {
		t.Fatalf("got %+v", got)
	}
	_, out = e.call("GET", "/v1/referrals?start_date=2000-01-01&end_date=2000-12-31", nil)
	if !strings.Contains(string(out), `"referrals":[]`) {
		t.Fatalf("date range not applied: %s", out)
	}
}
