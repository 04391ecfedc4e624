package state

import (
	"strings"
	"testing"

	"refdesk/api"
)

// TestPlainNamesTheFieldAndWhatToDo: every refusal the desk can meet before
// or at sending is said with the form's label and an action, from Cobalt's
// exact message as the api package writes it.
func TestPlainNamesTheFieldAndWhatToDo(t *testing.T) {
	missing := api.ReferralRequest{PatientMRN: "1", Direction: "outgoing", Priority: "routine", Reason: " "}.Validate()
	cases := []struct{ cobalt, want string }{
		{missing.Error(), "From: choose who refers the patient, or ctrl+o for no provider on this side. To: choose who the patient is referred to"},
		{api.ReferralRequest{PatientMRN: "1", FromProviderEHRID: "0", ToProviderEHRID: "P", Direction: "sideways", Priority: "routine", Reason: "x"}.Validate().Error(), "Direction: press i (incoming) or o (outgoing)."},
		{api.FilenameMessage(0), "Documents: file 1 has no extension"},
		{api.ContentMessage(2), "Documents: file 3 is empty or unreadable"},
		{api.PatientNotFoundMessage("777"), "Patient: MRN 777 is not among the patients synced"},
		{api.UnknownProvidersMessage(api.UnknownProvider{Field: "referring_to_provider_ehr_id", ID: "P9", Directory: api.DirReferringProviders}),
			"To: EHR id P9 is not in referring providers: sync the directories (ctrl+r) and choose again."},
	}
	for _, c := range cases {
		got := Plain(c.cobalt)
		if !strings.Contains(got, c.want) {
			t.Errorf("Plain(%q) = %q, want it to contain %q", c.cobalt, got, c.want)
		}
		for _, wire := range []string{"patient_mrn", "_provider_ehr_id", "documents["} {
			if strings.Contains(got, wire) {
				t.Errorf("Plain(%q) = %q still names the API field %s", c.cobalt, got, wire)
			}
		}
	}
	if got := Plain("The referring provider is inactive in eCW."); got != "The referring provider is inactive in eCW." {
		t.Errorf("an unknown message was changed: %q", got)
	}
}
