package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/huh/v2"

	"refdesk/api"
)

// The wizard's steps. Each is a huh form over setupState, then a check
// that must pass before the next step: a failed check shows its reason and
// the same form again, with what was typed.
type stepID int

const (
	stepCredentials stepID = iota
	stepFolders
	stepWebhook
	stepStale
	stepDesks
	stepDeskKey
	stepSummary
	stepDone
)

// The summary's choices.
const (
	choiceWrite = "write"
	choiceAgain = "again"
	choiceQuit  = "quit"
)

type stepDef struct {
	num   int // of 5, for "Step 2 of 5"
	title string
	form  func(st *setupState) *huh.Form
	// check runs after the form; its answer is shown as a line that stays
	// above the next steps. nil: nothing to check.
	check func(ctx context.Context, st *setupState) (string, error)
	next  func(st *setupState) stepID
}

func (id stepID) def() stepDef {
	switch id {
	case stepCredentials:
		return stepDef{1, "Cobalt credentials", credentialsForm, checkCredentialsStep, always(stepFolders)}
	case stepFolders:
		return stepDef{2, "folders and the SSH address", foldersForm, checkFolders, always(stepWebhook)}
	case stepWebhook:
		return stepDef{3, "webhook", webhookForm, checkWebhook, func(st *setupState) stepID {
			if len(st.others) > 0 {
				return stepStale
			}
			return stepDesks
		}}
	case stepStale:
		return stepDef{3, "other webhook registrations", staleForm, removeStale, always(stepDesks)}
	case stepDesks:
		return stepDef{4, "desks", desksForm, nil, func(st *setupState) stepID {
			if st.AddDesk {
				return stepDeskKey
			}
			return stepSummary
		}}
	case stepDeskKey:
		return stepDef{4, "add a desk", deskKeyForm, addDeskStep, always(stepDesks)}
	case stepSummary:
		return stepDef{5, "summary", summaryForm, writeStep, func(st *setupState) stepID {
			if st.written == nil {
				return stepCredentials // "change something"
			}
			return stepDone
		}}
	}
	return stepDef{num: 5, title: "done"}
}

func always(id stepID) func(*setupState) stepID { return func(*setupState) stepID { return id } }

// keepNote describes a secret's current state without showing it.
func keepNote(cur string) string {
	if cur == "" {
		return "Not set yet. What you type is not shown."
	}
	return "Set already: leave empty to keep it. What you type is not shown."
}

// keepable lets an empty answer through when the field has a value: huh's
// accessible mode validates the line typed, and an empty line keeps the
// value shown.
func keepable(v *string, validate func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" && strings.TrimSpace(*v) != "" {
			return nil
		}
		return validate(s)
	}
}

func (st *setupState) secretInput(title, cur string, v *string) *huh.Input {
	t := title
	if st.accessible { // the description is not read out: the title says it
		switch {
		case *v != "":
			t += " [typed already: Enter keeps it]"
		case cur != "":
			t += " [set: Enter keeps it]"
		}
	}
	return huh.NewInput().Title(t).Description(keepNote(cur)).EchoMode(huh.EchoModePassword).Value(v).
		Validate(func(s string) error {
			if strings.TrimSpace(s) == "" && cur == "" && (*v == "" || !st.accessible) {
				return fmt.Errorf("enter the %s (from Cobalt's dashboard)", strings.ToLower(title))
			}
			return nil
		})
}

func credentialsForm(st *setupState) *huh.Form {
	note := "From Cobalt's dashboard; the access token is your clinic's, from Cobalt Link. They are checked with Cobalt before the next step, and kept only in DATA-DIR/credentials (0600)."
	if st.envCreds {
		note += " COBALT_* variables are set in this environment: they win over the file while they are set."
	}
	return huh.NewForm(huh.NewGroup(
		st.note(note),
		huh.NewInput().Title(st.title("Cobalt API URL", st.BaseURL)).Value(&st.BaseURL).Validate(keepable(&st.BaseURL, checkBaseURL)),
		st.secretInput("Client ID", st.cur.ClientID, &st.ClientID),
		st.secretInput("Client secret", st.cur.ClientSecret, &st.ClientSecret),
		st.secretInput("Access token", st.cur.AccessToken, &st.AccessToken),
	))
}

func checkCredentialsStep(ctx context.Context, st *setupState) (string, error) {
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	provs, err := st.client().Providers(ctx)
	if err != nil {
		return "", errors.New(cobaltReason(err))
	}
	st.providers = len(provs)
	return fmt.Sprintf("Cobalt accepted these credentials: %d providers.", len(provs)), nil
}

func foldersForm(st *setupState) *huh.Form {
	required := func(what string) func(string) error {
		return func(s string) error {
			if strings.TrimSpace(s) == "" {
				return fmt.Errorf("enter %s", what)
			}
			return nil
		}
	}
	return huh.NewForm(huh.NewGroup(
		st.note("The data directory holds the database, the log and these settings (created 0700). The documents folder is what the desks' file picker opens: the scanner's folder."),
		huh.NewInput().Title(st.title("Data directory", st.DataDir)).Value(&st.DataDir).Validate(keepable(&st.DataDir, required("a folder for refdesk's data"))),
		huh.NewInput().Title(st.title("Documents folder", st.DocumentsDir)).Value(&st.DocumentsDir).Validate(keepable(&st.DocumentsDir, required("the folder the scanner writes to"))),
		huh.NewInput().Title(st.title("SSH address the desks connect to", st.SSHAddr)).Value(&st.SSHAddr).Validate(keepable(&st.SSHAddr, required("an address like :23234"))),
	))
}

func checkFolders(_ context.Context, st *setupState) (string, error) {
	st.DataDir, st.DocumentsDir = strings.TrimSpace(st.DataDir), strings.TrimSpace(st.DocumentsDir)
	if err := ensureDataDir(st.DataDir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(st.DocumentsDir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the documents folder: %w", err)
	}
	entries, err := os.ReadDir(st.DocumentsDir)
	if err != nil {
		return "", fmt.Errorf("cannot read the documents folder: %w. Give refdesk's user read access to it", err)
	}
	if keys := filepath.Join(st.DataDir, "authorized_keys"); st.set.AuthorizedKeys == "" && keys != st.keysPath {
		// The desks' file follows a data directory that moved.
		if st.desks, _, err = readDesks(keys); err != nil {
			return "", err
		}
		st.keysPath = keys
	}
	return fmt.Sprintf("Data directory %s ready (0700); documents folder %s readable (%d entries).", st.DataDir, st.DocumentsDir, len(entries)), nil
}

func webhookForm(st *setupState) *huh.Form {
	return huh.NewForm(huh.NewGroup(
		st.note("Cobalt tells refdesk that a referral is done by calling a public HTTPS address: "+
			"refdesk serve's POST "+api.WebhookPath+", directly (--tls-cert) or behind a TLS proxy. "+
			"It is registered with Cobalt now, and its signing secret kept."),
		huh.NewInput().Title(st.title("Public webhook URL", st.WebhookURL)).Placeholder("https://refdesk.clinic.example"+api.WebhookPath).
			Value(&st.WebhookURL).Validate(keepable(&st.WebhookURL, func(s string) error { _, err := webhookURL(s); return err })),
		huh.NewInput().Title(st.title("Address refdesk serve listens on for it (the proxy forwards here)", st.WebhookAddr)).Value(&st.WebhookAddr).
			Validate(keepable(&st.WebhookAddr, func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("enter an address like 127.0.0.1:8080")
				}
				return nil
			})),
	))
}

// checkWebhook lists the registrations, registers the URL unless it is
// registered already with a secret refdesk holds, and keeps the others for
// the next step.
func checkWebhook(ctx context.Context, st *setupState) (string, error) {
	u, err := webhookURL(st.WebhookURL)
	if err != nil {
		return "", err
	}
	st.WebhookURL = u
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	c := st.client()
	regs, err := c.Webhooks(ctx)
	if err != nil {
		return "", fmt.Errorf("cannot list the webhook registrations: %s", cobaltReason(err))
	}
	var mine *api.WebhookConfig
	st.others = nil
	for i, r := range regs {
		if r.URL == u && mine == nil {
			mine = &regs[i]
		} else {
			st.others = append(st.others, r)
		}
	}
	var msg string
	switch {
	case mine != nil && st.webhookSecret != "" && u == st.set.WebhookURL:
		st.webhookID = mine.ID
		msg = fmt.Sprintf("%s is registered with Cobalt already (id %s); its signing secret is kept.", u, mine.ID)
	case mine != nil && mine.Secret != "":
		st.webhookID, st.webhookSecret = mine.ID, mine.Secret
		msg = fmt.Sprintf("%s is registered with Cobalt already (id %s); its signing secret is taken from Cobalt's answer.", u, mine.ID)
	default:
		reg, err := c.RegisterWebhook(ctx, u)
		if err != nil {
			return "", fmt.Errorf("cannot register the webhook: %s", cobaltReason(err))
		}
		if reg.Secret == "" {
			return "", errors.New("the URL was registered, but Cobalt's answer carried no signing secret: ask Cobalt's support for it, and put it in COBALT_WEBHOOK_SECRET")
		}
		st.webhookID, st.webhookSecret = reg.ID, reg.Secret
		msg = fmt.Sprintf("Registered %s with Cobalt (id %s); its signing secret will be kept in the credentials file.", u, reg.ID)
	}
	msg += " Cobalt offers no test event, so no round trip can be tried here: 'refdesk doctor' checks the URL answers once serve runs, and refdesk polls Cobalt for any referral whose webhook does not come."
	if n := len(st.others); n > 0 {
		msg += fmt.Sprintf(" %d other registration(s) found.", n)
	}
	return msg, nil
}

func staleForm(st *setupState) *huh.Form {
	opts := make([]huh.Option[string], len(st.others))
	for i, r := range st.others {
		opts[i] = huh.NewOption(fmt.Sprintf("%s (id %s)", r.URL, r.ID), r.ID)
	}
	return huh.NewForm(huh.NewGroup(
		st.note("Cobalt sends every event to every registered URL. Remove the ones nothing answers any more (an old server's, a test's). Space selects, Enter goes on; select none to keep them all."),
		huh.NewMultiSelect[string]().Title("Remove these registrations").Options(opts...).Value(&st.Remove).
			Height(len(opts)+1), // huh shows one option only without it
	))
}

func removeStale(ctx context.Context, st *setupState) (string, error) {
	if len(st.Remove) == 0 {
		return fmt.Sprintf("Kept the %d other registration(s).", len(st.others)), nil
	}
	ctx, cancel := st.ctx(ctx)
	defer cancel()
	c := st.client()
	var removed []string
	for _, id := range st.Remove {
		if err := c.DeleteWebhook(ctx, id); err != nil {
			return "", fmt.Errorf("cannot remove registration %s: %s", id, cobaltReason(err))
		}
		removed = append(removed, id)
		st.Remove = st.Remove[1:] // a retry after a failure does not remove twice
		for i, o := range st.others {
			if o.ID == id {
				st.others = append(st.others[:i:i], st.others[i+1:]...)
				break
			}
		}
	}
	return fmt.Sprintf("Removed registration(s) %s.", strings.Join(removed, ", ")), nil
}

func desksForm(st *setupState) *huh.Form {
	desc := "No desk can connect yet: add each workstation's public key."
	if len(st.desks) > 0 {
		desc = "Desks for " + st.keysPath + " (new ones are written after the summary):\n" + formatDesks(st.desks)
	}
	st.AddDesk = len(st.desks) == 0
	return huh.NewForm(huh.NewGroup(
		st.note(desc),
		huh.NewConfirm().Title("Add a desk's public key now?").Affirmative("Add a desk").Negative("Go on").Value(&st.AddDesk),
	))
}

func deskKeyForm(st *setupState) *huh.Form {
	st.DeskName, st.DeskKey = "", ""
	return huh.NewForm(huh.NewGroup(
		st.note("On the desk's machine, 'ssh-keygen -t ed25519' makes a key; paste its public half (the .pub file's line). With PuTTYgen, paste the 'Public key for pasting into OpenSSH authorized_keys file' box."),
		huh.NewInput().Title("Desk name (shown in the pane and the audit log)").Placeholder("frontdesk-1").Value(&st.DeskName).
			Validate(checkDeskName),
		huh.NewInput().Title("Public key").Placeholder("ssh-ed25519 AAAA…").CharLimit(16384).Value(&st.DeskKey),
	))
}

func addDeskStep(_ context.Context, st *setupState) (string, error) {
	line, d, err := deskLine(strings.TrimSpace(st.DeskName), st.DeskKey, st.desks)
	if err != nil {
		return "", err
	}
	st.newLines = append(st.newLines, line)
	st.desks = append(st.desks, d)
	return fmt.Sprintf("Desk %s added: %s %s. Compare it with 'ssh-keygen -lf KEY.pub' on the desk.", d.Name, d.Type, d.Fingerprint), nil
}

func summaryForm(st *setupState) *huh.Form {
	st.Choice = choiceWrite
	return huh.NewForm(huh.NewGroup(
		st.note(st.summary()),
		huh.NewSelect[string]().Title("Write these settings?").Options(
			huh.NewOption("Write them", choiceWrite),
			huh.NewOption("Change something (back to step 1; what you typed is kept)", choiceAgain),
			huh.NewOption("Quit without writing anything", choiceQuit),
		).Value(&st.Choice),
	))
}

// errQuit is the summary's "quit without writing anything".
var errQuit = errors.New("setup stopped: nothing was written")

// note is a huh note showing text as written: the screen's notes read _,
// * and ` as markup (a path like authorized_keys lost its underscore),
// accessible mode prints them as they are.
func (st *setupState) note(text string) *huh.Note {
	if !st.accessible {
		text = strings.NewReplacer(`\`, `\\`, "_", `\_`, "*", `\*`, "`", "\\`").Replace(text)
	}
	return huh.NewNote().Description(text)
}
