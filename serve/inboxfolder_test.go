package serve

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"refdesk/internal/testkit"
)

// A session knows its desk's upload folder, so the file picker can list
// that desk's uploads first: the folder scp writes to, not the login typed.
func TestSessionCarriesTheDesksInboxFolder(t *testing.T) {
	k := testkit.NewKey(t, "Front desk 2")
	folders := make(chan string, 1)
	f := startServer(t, []string{k.Line}, func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, s Session) tea.Model {
			folders <- s.InboxFolder
			return next(ctx, s)
		}
	})
	openTerm(t, f.mustDial("someone-else", k), true).waitFor("desk of Front desk 2")
	if got := <-folders; got != "Front_desk_2" {
		t.Fatalf("InboxFolder = %q, want Front_desk_2 (the folder scp uploads of this key go to)", got)
	}
}
