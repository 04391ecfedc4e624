package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// terminal is a screen a test types into and reads: tmux (tmuxTerm) or an
// SSH session with a PTY (sshTerm).
type terminal interface {
	Type(text string)
	// Press sends one key: enter, tab, esc, up, down, ctrl+s, ctrl+t,
	// ctrl+c.
	Press(key string)
	WaitFor(d time.Duration, what string, cond func(screen string) bool) string
	WaitText(d time.Duration, texts ...string) string
	Screen() string
	Fatalf(format string, args ...any)
}

// Fatalf fails the test with the screen.
func (tm *tmuxTerm) Fatalf(format string, args ...any) {
	tm.t.Helper()
	tm.t.Fatalf(format+"\nscreen:\n%s", append(args, tm.Screen())...)
}

// Press maps the desk's key names to tmux's.
func (tm *tmuxTerm) Press(key string) {
	tm.t.Helper()
	names := map[string]string{"enter": "Enter", "tab": "Tab", "esc": "Escape", "up": "Up", "down": "Down",
		"ctrl+s": "C-s", "ctrl+t": "C-t", "ctrl+c": "C-c"}
	n, ok := names[key]
	if !ok {
		tm.t.Fatalf("no tmux name for key %q", key)
	}
	tm.Keys(n)
}

// referral is what a test types into the form, as a person would.
type referral struct {
	PatientQuery string // typed into the patient search
	Patient      string // the row that must be highlighted before Enter, e.g. "Doe, John"
	Direction    string // "i" or "o"
	From, To     pick
	Priority     string   // "r", "u" or "s"
	Reason       []string // lines (Enter between them)
	Codes        string   // e.g. "I10, Z87.39"
	Document     string   // a file in the documents folder to attach ("" for none)
}

// pick is a provider picker's answer: a search and the text the highlighted
// row must contain before Enter, or None for "No provider on this side".
type pick struct {
	Query, Want string
	None        bool
}

// chosen is what the form showed for the providers once picked.
type chosen struct{ From, To string }

const step = 10 * time.Second // the longest any one step of the form may take

var rowName = regexp.MustCompile(`▸ ([^·\n]+?) ·`)

// fillForm types r into the form, field by field, waiting after each key
// for the screen to show its effect (as a person looks before pressing
// Enter), and stops on the review screen.
func fillForm(term terminal, r referral) chosen {
	term.WaitText(step, "▶ Patient")
	term.Type(r.PatientQuery)
	term.WaitText(step, "› "+r.PatientQuery, "▸ "+r.Patient)
	term.Press("enter")
	term.WaitText(step, "Patient: "+r.Patient, "▶ Direction")

	term.Type(r.Direction)
	want := map[string]string{"i": "(•) incoming", "o": "(•) outgoing"}[r.Direction]
	term.WaitText(step, want, "▶ From") // the letter moved on

	var c chosen
	c.From = choose(term, "From", r.From)
	c.To = choose(term, "To", r.To)

	term.WaitText(step, "▶ Priority")
	term.Type(r.Priority)
	want = map[string]string{"r": "(•) routine", "u": "(•) URGENT !", "s": "(•) STAT !!"}[r.Priority]
	term.WaitText(step, want, "▶ Reason") // the letter moved on

	for i, line := range r.Reason {
		if i > 0 {
			term.Press("enter")
		}
		term.Type(line)
	}
	term.WaitText(step, r.Reason[len(r.Reason)-1])
	term.Press("tab")
	term.WaitText(step, "Reason: "+r.Reason[0])

	if r.Codes != "" {
		term.Type(r.Codes)
		term.WaitText(step, "› "+r.Codes)
	}
	term.Press("tab") // leaving the field adds the codes typed
	term.WaitText(step, "▶ Documents")
	if r.Codes != "" {
		first := strings.TrimSpace(strings.Split(r.Codes, ",")[0])
		term.WaitText(step, "Diagnosis codes — ICD-10-CM FY2027: "+first+" ")
	}
	if r.Document != "" {
		// The field opened the file picker in the documents folder.
		term.WaitText(step, "Folder:", r.Document)
		term.Press("enter")
		term.WaitText(step, "Attached "+r.Document)
	}
	term.Press("ctrl+s")
	term.WaitText(step, "Review — exactly what will be sent", "✓ Ready to send.")
	return c
}

// choose works one provider picker and returns the name it showed.
func choose(term terminal, label string, p pick) string {
	head := "▶ " + label + " — searches"
	if p.None {
		// The list comes from a search started when the field got the
		// keyboard: wait for it before moving the cursor.
		term.WaitFor(step, label+"'s list", func(s string) bool {
			i := strings.Index(s, head)
			return i >= 0 && strings.Contains(s[i:], "▸ ")
		})
		term.Press("up")
		term.WaitText(step, "▸ — No provider on this side")
		term.Press("enter")
		term.WaitFor(step, label+": No provider on this side", func(s string) bool {
			return regexp.MustCompile(regexp.QuoteMeta(label) + ` \([a-z ]+\): No provider on this side`).MatchString(s)
		})
		return "No provider on this side"
	}
	term.WaitText(step, head)
	term.Type(p.Query)
	var row string
	term.WaitFor(step, fmt.Sprintf("%s's search %q highlighting a row with %q", label, p.Query, p.Want), func(s string) bool {
		row = highlighted(s, p.Want)
		return row != "" && strings.Contains(s, "› "+p.Query)
	})
	m := rowName.FindStringSubmatch(row)
	if m == nil {
		term.Fatalf("no provider name in the highlighted row %q", row)
	}
	name := strings.TrimSpace(m[1])
	term.Press("enter")
	term.WaitFor(step, label+": "+name, func(s string) bool {
		return regexp.MustCompile(regexp.QuoteMeta(label) + ` \([a-z ]+\): ` + regexp.QuoteMeta(name)).MatchString(s)
	})
	return name
}

// highlighted is the picker's highlighted row (from its cursor ▸ to the
// form's border) when it contains want, or "". Only the row itself is
// looked at: the live pane beside the form may name the same provider.
func highlighted(screen, want string) string {
	for _, l := range strings.Split(screen, "\n") {
		i := strings.Index(l, "▸ ")
		if i < 0 {
			continue
		}
		row := l[i:]
		if j := strings.IndexAny(row, "┃│"); j >= 0 {
			row = row[:j]
		}
		if strings.Contains(row, want) {
			return row
		}
	}
	return ""
}
