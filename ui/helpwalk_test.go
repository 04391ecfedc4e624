package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/theme"
)

// startAs opens a new session of the desk for user at w×h (each probe
// its own user: one probe's draft is not offered to the next). Its driver
// waits for the screen's own answers, not for the clock's tick.
func (e *env) startAs(user string, w, h int) {
	e.m = newModel(Session{Desk: e.desk, User: user, Account: "SANDBOX", Sandbox: true,
		DocumentsDir: e.docs, Context: e.ctx, NoColor: true, DraftDelay: 40 * time.Millisecond})
	e.d = uitest.New(e.t, func(msg tea.Msg) tea.Cmd {
		_, cmd := e.m.Update(msg)
		return cmd
	})
	e.d.Young = 100 * time.Millisecond
	e.d.Run(e.m.Init())
	e.d.Send(tea.WindowSizeMsg{Width: w, Height: h})
}

// helpScreen is a screen the help walk visits: how to reach it from a new
// session, and words its help line must show.
type helpScreen struct {
	name     string
	reach    func(e *env)
	want     []string
	question bool // a question takes every key: no f1, no global keys
}

// TestEveryHelpKeyIsBoundAndWorks visits every form field (in its
// states), the file picker, the pane (list, search, details), the review
// and the questions. On each, the help line fits 80 and 120 columns whole
// (ctrl+c quit last, nothing cut), the full help shows every binding, each
// key a component names (before the line is fitted) is a binding of
// theme.Keys, and pressing it changes the screen: alone, or after another
// key of the same help that stays on the same field (↑ after ↓). A key
// named with the same words on several screens is pressed on the first;
// the global keys on the first screen only (about 20 s).
func TestEveryHelpKeyIsBoundAndWorks(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every screen")
	}
	e := newEnv(t, 80, 24)
	e.doc("ecg.pdf", 300)
	e.doc("labs.pdf", 200)
	if err := os.Mkdir(filepath.Join(e.docs, "older"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A scan without extension whose content is a PDF: choosing it asks.
	fax := filepath.Join(e.docs, "faxscan")
	if err := os.WriteFile(fax, []byte("%PDF-1.4\n"+strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(fax, old, old); err != nil { // not the newest: Enter on the first row attaches ecg.pdf or labs.pdf
		t.Fatal(err)
	}
	patient := e.entry(state.Patients, 0)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 2)
	// One referral sent, for the pane.
	e.startAs("sender", 120, 40)
	e.fill("outgoing", patient, from, to, "routine", "Knee pain", "I10", 0)
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("COMPLETED ✓")

	head := func(e *env) { e.d.Type(patient.Key); e.d.Press("enter") }
	toFrom := func(e *env) { head(e); e.d.Type("o") }
	toPriority := func(e *env) { toFrom(e); e.d.Press("ctrl+o", "ctrl+o") }
	toCodes := func(e *env) { toPriority(e); e.d.Press("enter"); e.d.Type("Knee pain"); e.d.Press("tab") }
	screens := []helpScreen{
		{"patient", func(*env) {}, []string{"↑↓ move"}, false},
		{"patient typed", func(e *env) { e.d.Type("do") }, []string{"↑↓ move"}, false},
		{"direction", head, []string{"i incoming", "o outgoing"}, false},
		{"from", toFrom, []string{"ctrl+o no provider", "↑↓ move"}, false},
		{"from chosen", func(e *env) { toFrom(e); e.d.Press("ctrl+o", "shift+tab") }, []string{"enter keep it"}, false},
		{"priority", toPriority, []string{"u urgent", "s stat"}, false},
		{"reason", func(e *env) { toPriority(e); e.d.Press("enter") }, nil, false},
		{"codes", toCodes, []string{"enter next field"}, false},
		{"codes typed", func(e *env) { toCodes(e); e.d.Type("hypert") }, []string{"enter add the code"}, false},
		{"codes chosen", func(e *env) { toCodes(e); e.d.Type("I10"); e.d.Press("enter", "shift+tab", "tab") }, []string{"enter next field"}, false},
		{"file picker", func(e *env) { toCodes(e); e.d.Press("tab") }, []string{"enter attach", "space mark"}, false},
		{"file picker folder", func(e *env) { toCodes(e); e.d.Press("tab", "end") }, []string{"enter open"}, false},
		{"file picker marked", func(e *env) { toCodes(e); e.d.Press("tab", "space") }, []string{"enter attach the 1 marked"}, false},
		{"file picker search", func(e *env) { toCodes(e); e.d.Press("tab"); e.d.Type("e") }, []string{"enter attach"}, false},
		{"scan rename question", func(e *env) { toCodes(e); e.d.Press("tab"); e.d.Type("faxscan"); e.d.Press("enter") },
			[]string{"enter the highlighted choice", "y send"}, false},
		{"documents", func(e *env) { toCodes(e); e.d.Press("tab", "enter") }, []string{"enter/a add a file"}, false},
		{"referrals", func(e *env) { e.d.Press("ctrl+t") }, []string{"enter details", "/ search"}, false},
		{"referrals search", func(e *env) { e.d.Press("ctrl+t"); e.d.Type("/do") }, []string{"enter keep the search"}, false},
		{"referral details", func(e *env) {
			e.d.Press("ctrl+t", "enter")
			e.waitView("History")
		}, []string{"esc back"}, false},
		{"review", func(e *env) {
			e.fill("outgoing", patient, from, to, "routine", "Hip pain "+e.m.s.User, "I10", 0) // enter sends it: each its own
			e.d.Press("ctrl+s")
			e.waitView("Ready to send")
		}, []string{"enter send", "esc/e edit"}, false},
		{"quit question", func(e *env) { head(e); e.d.Press("ctrl+c") }, []string{"y quit (keep the draft)", "n/esc stay"}, true},
		{"discard question", func(e *env) { head(e); e.d.Press("ctrl+c", "d") }, []string{"y discard it and quit", "any other key keeps it"}, true},
		{"resume question", func(e *env) {
			head(e)
			e.d.Press("tab") // leaving a field saves the draft
			e.waitView("Direction")
			user := e.m.s.User
			e.d.WaitFor("the draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
			e.startAs(user, e.m.width, e.m.height)
			e.waitView("Resume your draft?")
		}, []string{"y/enter resume", "d discard…"}, true},
	}
	bound := themeBindings()
	k := theme.DefaultKeys()
	// The root's own keys work the same on every screen: pressed on the
	// first one only.
	global := []key.Binding{k.Switch, k.Sync, k.Help, k.HelpF1, k.Quit}
	probed := map[key.Help]bool{} // a key with the same words is pressed on one screen
	probe := 0
	visit := func(s helpScreen) {
		probe++
		e.startAs("walk"+itoa(probe), 80, 24)
		s.reach(e)
	}
	for i, s := range screens {
		t.Run(s.name, func(t *testing.T) {
			e.t = t
			visit(s)
			e.d.Send(tea.WindowSizeMsg{Width: 1000, Height: 40}) // room for every key a component names
			short, full, _ := e.m.keyHelp()
			for _, size := range [][2]int{{120, 40}, {80, 24}} {
				e.d.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				checkHelpLine(t, e, size[0], s)
			}
			if !s.question {
				checkFullHelp(t, e, full)
			}
			var keys []key.Binding
			for _, b := range slices.Concat(append(full, short)...) {
				if !slices.ContainsFunc(bound, func(k key.Binding) bool { return slices.Equal(k.Keys(), b.Keys()) }) {
					t.Errorf("%q (keys %v) is not a binding of theme.Keys", b.Help().Key+" "+b.Help().Desc, b.Keys())
				}
				isGlobal := slices.ContainsFunc(global, func(k key.Binding) bool { return slices.Equal(k.Keys(), b.Keys()) })
				if (i == 0 || !isGlobal) && !probed[b.Help()] &&
					!slices.ContainsFunc(keys, func(k key.Binding) bool { return k.Keys()[0] == b.Keys()[0] }) {
					keys = append(keys, b)
					probed[b.Help()] = true
				}
			}
			fresh := true // e's session shows s, untouched
			for _, b := range keys {
				var ok bool
				if ok, fresh = pressChanges(e, s, visit, b, keys, fresh); !ok {
					t.Errorf("%q (%s) changes nothing on this screen", b.Help().Key+" "+b.Help().Desc, b.Keys()[0])
				}
			}
		})
	}
}

// themeBindings are every binding of theme.DefaultKeys.
func themeBindings() []key.Binding {
	v := reflect.ValueOf(theme.DefaultKeys())
	var out []key.Binding
	for i := 0; i < v.NumField(); i++ {
		out = append(out, v.Field(i).Interface().(key.Binding))
	}
	return out
}

// checkHelpLine: the last line is the help, within the width, whole
// (its last entry is quit, but on a question), and it shows what the
// screen wants.
func checkHelpLine(t *testing.T, e *env, width int, s helpScreen) {
	t.Helper()
	lines := strings.Split(e.view(), "\n")
	line := lines[len(lines)-1]
	short := e.m.shortHelp()
	if len(short) == 0 {
		t.Fatalf("at %d columns the screen has no help line", width)
	}
	last := short[len(short)-1].Help()
	if w := lipglossWidth(line); w > width || !strings.HasSuffix(line, last.Key+" "+last.Desc) ||
		(!s.question && last.Desc != "quit") {
		t.Errorf("at %d columns the help line is %q (%d wide)", width, line, w)
	}
	for _, b := range short {
		if !strings.Contains(line, b.Help().Key+" "+b.Help().Desc) {
			t.Errorf("at %d columns the help line %q misses %q", width, line, b.Help().Key+" "+b.Help().Desc)
		}
	}
	if width < 100 {
		return
	}
	for _, w := range s.want {
		if !strings.Contains(line, w) {
			t.Errorf("the help line %q does not say %q", line, w)
		}
	}
}

// checkFullHelp: f1 shows every binding of the full help within 80
// columns, and f1 again closes it.
func checkFullHelp(t *testing.T, e *env, full [][]key.Binding) {
	t.Helper()
	e.d.Press("f1")
	if !e.m.help.ShowAll {
		t.Fatal("f1 did not open the full help")
	}
	v := e.view()
	for _, l := range strings.Split(v, "\n") {
		if lipglossWidth(l) > 80 {
			t.Errorf("a full help line is %d wide: %q", lipglossWidth(l), l)
		}
	}
	for _, b := range slices.Concat(full...) {
		if !strings.Contains(v, b.Help().Desc) {
			t.Errorf("the full help does not show %q", b.Help().Key+" "+b.Help().Desc)
		}
	}
	e.d.Press("f1")
	if e.m.help.ShowAll {
		t.Fatal("f1 did not close the full help")
	}
}

// pressChanges reports whether pressing b on screen s changes it (on the
// session as it is when fresh, else on a new one); failing that, after
// another key of b or of the screen's help (↑ does nothing at the top,
// after ↓ it moves). untouched says the session still shows s as it was.
func pressChanges(e *env, s helpScreen, visit func(helpScreen), b key.Binding, keys []key.Binding, fresh bool) (ok, untouched bool) {
	try := func(before string) bool {
		if !fresh || before != "" {
			visit(s)
		}
		if before != "" {
			// Only a key that stays on the same screen and field: after
			// moving on, another field would take the key.
			where := [3]int{int(e.m.screen), e.m.form.Focus(), btoi(e.m.onPane)}
			e.d.Press(before)
			if where != [3]int{int(e.m.screen), e.m.form.Focus(), btoi(e.m.onPane)} {
				return false
			}
		}
		was, quit, in, focus := e.view(), e.d.Quit, e.m.form.Input(), e.m.form.Focus()
		e.d.Press(b.Keys()[0])
		e.d.Settle()
		return e.d.Quit != quit || e.view() != was || !reflect.DeepEqual(e.m.form.Input(), in) ||
			e.m.form.Focus() != focus
	}
	if try("") {
		return true, false
	}
	var before []string
	before = append(before, b.Keys()[1:]...)
	for _, o := range keys {
		if o.Keys()[0] != b.Keys()[0] {
			before = append(before, o.Keys()[0])
		}
	}
	for _, o := range before {
		if try(o) {
			return true, false
		}
	}
	return false, len(before) == 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
