package e2e

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// TestServeDeskIsTheKey (issue 19, finding 2): the SSH user name is no
// identity. A desk types a draft and drops; a second authorised key
// without a comment connects as 'carol (front-desk-1)', the name the
// server used to build for the first desk, and is neither offered the
// draft nor shown as that desk (its name is the key's: "key-" and its
// fingerprint), so it cannot send under it. The first key, connecting
// under any other user name, gets its draft back.
func TestServeDeskIsTheKey(t *testing.T) {
	c := newClinic(t)
	anon := testkit.NewKey(t, "")
	writeAuthorizedKeys(t, c.keysFile, c.desk1, c.desk2, anon)
	srv := c.serve(t)

	d := openDesk(t, srv, "carol", c.desk1, 140, 45)
	d.WaitText(10*time.Second, "desk front-desk-1")
	typeReason(d, "Knee pain since March, MRI")
	d.Drop()

	fp := gossh.FingerprintSHA256(anon.Signer.PublicKey())
	anonName := "key-" + strings.NewReplacer("+", "-", "/", "_").Replace(fp[len("SHA256:"):][:12])
	for _, login := range []string{"carol (front-desk-1)", "front-desk-1", "carol"} {
		other := openDesk(t, srv, login, anon, 140, 45)
		screen := other.WaitText(10*time.Second, "▶ Patient", "desk "+anonName)
		if strings.Contains(screen, "Resume your draft?") || strings.Contains(screen, "front-desk-1") {
			t.Fatalf("another key connecting as %q was offered the first desk's draft or name:\n%s", login, screen)
		}
		other.Drop()
	}

	again := openDesk(t, srv, "someone-else", c.desk1, 140, 45)
	again.WaitText(10*time.Second, "Resume your draft?", "A referral for Doe, John · DOB 05/15/1980 · MRN 414421")
	again.Type("y")
	again.WaitText(step, "Draft resumed.", "Reason: Knee pain since March, MRI", "desk front-desk-1")
}
