package picker

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/theme"
)

func referring(n int) *state.Index {
	var es []state.Entry
	es = append(es, state.ReferringProviderEntry(api.ReferringProvider{EHRID: "5521", Name: "Alvarez, Maria",
		Speciality: "Cardiology", AddressCity: "Springfield", AddressState: "IL", NPI: "1234567890"}))
	for i := 0; i < n-1; i++ {
		es = append(es, state.ReferringProviderEntry(api.ReferringProvider{EHRID: fmt.Sprint(9000 + i),
			Name: fmt.Sprintf("Zed%04d, Quinn", i), Speciality: "Dermatology", AddressCity: "Peoria", NPI: fmt.Sprint(1000000000 + i)}))
	}
	return state.NewIndex(es)
}

func patients() *state.Index {
	return state.NewIndex([]state.Entry{
		state.PatientEntry(api.Patient{FirstName: "John", LastName: "Doe", DOB: "1980-05-15", MRN: "414421"}),
		state.PatientEntry(api.Patient{FirstName: "Jane", LastName: "Roe", DOB: "1975-01-02", MRN: "777001"}),
	})
}

type harness struct {
	m Model
	d *uitest.Driver
}

func newHarness(t *testing.T, cfg Config, src Source) *harness {
	st := theme.New(true, true)
	keys := theme.DefaultKeys()
	h := &harness{m: New(cfg, src, &st, &keys)}
	h.m.SetSource(src, "test directory")
	h.d = uitest.New(t, func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(msg)
		return cmd
	})
	h.d.Run(h.m.Focus())
	h.d.Settle()
	return h
}

func (h *harness) view() string { return uitest.Plain(h.m.View(100, 12)) }

func TestProviderPickerFiltersCountsHighlightsAndChooses(t *testing.T) {
	h := newHarness(t, Config{ID: 2, AllowNone: true}, referring(5000))
	if got := h.m.Count(); got != "5,000 in directory · recent first" {
		t.Fatalf("empty query count = %q", got)
	}
	h.d.Type("alvarez")
	res, ok := h.m.Result()
	if !ok || res.Total != 1 || res.Matches[0].Entry.Key != "5521" {
		t.Fatalf("search alvarez: %+v ok=%v", res, ok)
	}
	if got := h.m.Count(); got != "1 of 5,000" {
		t.Fatalf("count = %q", got)
	}
	v := h.view()
	if strings.Contains(v, "No provider on this side") {
		t.Errorf("typed text shows the no-provider row, one Enter from sending \"0\":\n%s", v)
	}
	for _, want := range []string{"Alvarez, Maria · Cardiology · Springfield, IL · NPI 1234567890 · EHR 5521", "1 of 5,000"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Matched characters are drawn with the Match style (bold+underline even without colour).
	styled := h.m.View(100, 12)
	if !strings.Contains(styled, "\x1b[1;4") {
		t.Errorf("no highlighted match in styled view: %q", styled)
	}
	var chosen *ChosenMsg
	h.d = uitest.New(t, func(msg tea.Msg) tea.Cmd {
		if c, ok := msg.(ChosenMsg); ok {
			chosen = &c
		}
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(msg)
		return cmd
	})
	h.d.Press("enter")
	if chosen == nil || chosen.Choice.Key != "5521" || chosen.ID != 2 {
		t.Fatalf("chosen = %+v", chosen)
	}
}

func TestNoProviderChoiceSendsZero(t *testing.T) {
	h := newHarness(t, Config{ID: 3, AllowNone: true}, referring(10))
	h.d.Press("up", "enter") // from an empty search, the row above the first entry
	if c := h.m.Chosen(); c.Key != api.NoProvider || !c.None() {
		t.Fatalf("chosen = %+v, want none (%q)", c, api.NoProvider)
	}
	if s := h.m.Chosen().Summary(); !strings.Contains(s, `No provider on this side (sends "0")`) {
		t.Fatalf("summary %q", s)
	}
	// Under typed text, only its own key chooses it.
	h = newHarness(t, Config{ID: 3, AllowNone: true}, referring(10))
	h.d.Type("alv")
	h.d.Press("up", "up", "enter")
	if c := h.m.Chosen(); c.Key != "5521" {
		t.Fatalf("up, up, enter under \"alv\" chose %+v, want the only match", c)
	}
	h.d.Type("zzqq")
	h.d.Press("ctrl+o")
	if c := h.m.Chosen(); !c.None() {
		t.Fatalf("ctrl+o chose %+v, want none", c)
	}
}

// TestEnterOnNoMatchChoosesNothing: typed text that matches nothing is not
// a choice, whatever is highlighted; the earlier choice stays.
func TestEnterOnNoMatchChoosesNothing(t *testing.T) {
	h := newHarness(t, Config{ID: 3, AllowNone: true}, referring(10))
	h.d.Type("zzqq")
	h.d.Press("enter")
	if c := h.m.Chosen(); !c.Empty() {
		t.Fatalf("enter on no match chose %+v", c)
	}
	if v := h.view(); !strings.Contains(v, "No match for “zzqq”: nothing was chosen") {
		t.Fatalf("no message:\n%s", v)
	}
	h.m.SetQuery("")
	h.d.Type("alvarez")
	h.d.Press("enter")
	h.d.Type("qqq")
	h.d.Press("enter")
	if c := h.m.Chosen(); c.Key != "5521" {
		t.Fatalf("the choice before a search with no match is lost: %+v", c)
	}
}

// TestChoiceStaysChosen: focus on a picker holding a choice shows it,
// Enter keeps it, typing brings the list.
func TestChoiceStaysChosen(t *testing.T) {
	h := newHarness(t, Config{ID: 2, AllowNone: true}, referring(10))
	h.d.Type("alvarez")
	h.d.Press("enter")
	h.m.Blur()
	h.m.SetQuery("")
	h.d.Run(h.m.Focus())
	h.d.Settle()
	if h.m.Listing() || strings.Contains(h.view(), "Zed0001") {
		t.Fatalf("focus on a choice shows the list:\n%s", h.view())
	}
	h.d.Press("enter")
	if c := h.m.Chosen(); c.Key != "5521" {
		t.Fatalf("enter on the choice changed it to %+v", c)
	}
	h.d.Run(h.m.Focus())
	h.d.Type("zed0001")
	if !h.m.Listing() || !strings.Contains(h.view(), "Zed0001") {
		t.Fatalf("typing does not show the list:\n%s", h.view())
	}
}

func TestRecentFirstWhenEmpty(t *testing.T) {
	ix := referring(50)
	h := newHarness(t, Config{ID: 2, AllowNone: true}, ix)
	h.d.Type("zed0042")
	h.d.Press("enter")
	if h.m.Chosen().Key != "9042" {
		t.Fatalf("chose %+v", h.m.Chosen())
	}
	h.m.SetQuery("")
	h.d.Run(h.m.Refresh())
	h.d.Settle()
	res, _ := h.m.Result()
	if len(res.Matches) == 0 || res.Matches[0].Entry.Key != "9042" {
		t.Fatalf("recent not first: %+v", res.Matches[:min(3, len(res.Matches))])
	}
}

func TestStaleAnswersDropped(t *testing.T) {
	h := newHarness(t, Config{ID: 2}, referring(100))
	h.m.input.SetValue("alvarez")
	cmd1 := h.m.search() // seq n
	h.m.input.SetValue("zed0001")
	cmd2 := h.m.search() // seq n+1
	// The newer answer arrives first, then the older one: the older is dropped.
	h.m, _ = h.m.Update(cmd2())
	h.m, _ = h.m.Update(cmd1())
	res, _ := h.m.Result()
	if res.Query != "zed0001" {
		t.Fatalf("stale answer applied: query %q", res.Query)
	}
}

func TestPatientDOBTypedEitherWay(t *testing.T) {
	for _, q := range []string{"05/15/1980", "1980-05-15", "5/15/1980"} {
		h := newHarness(t, Config{ID: 1, Patients: true}, patients())
		h.d.Type(q)
		res, _ := h.m.Result()
		if res.Total == 0 || res.Matches[0].Entry.Key != "414421" {
			t.Errorf("query %q: %+v", q, res)
		}
	}
}

func TestPatientNotSyncedAsksCobalt(t *testing.T) {
	ix := patients()
	var asked []string
	remote := func(q string) (int, error) {
		asked = append(asked, q)
		if q == "Smith" {
			return 0, nil
		}
		if q == "Broken" {
			return 0, errors.New("connection refused")
		}
		ix.Replace(append(entries(ix), state.PatientEntry(api.Patient{FirstName: "Ann", LastName: "Quill", DOB: "1990-02-03", MRN: "555"})))
		return 1, nil
	}
	h := newHarness(t, Config{ID: 1, Patients: true, Remote: remote}, ix)
	h.d.Type("Smith")
	if v := h.view(); !strings.Contains(v, "the patient is not synced here") || !strings.Contains(v, "Ask Cobalt for “Smith”") {
		t.Fatalf("view:\n%s", v)
	}
	h.d.Press("enter")
	if v := h.view(); !strings.Contains(v, "Cobalt has no synced patient matching “Smith”") {
		t.Fatalf("after asking:\n%s", v)
	}
	h.m.SetQuery("")
	h.d.Type("Quill")
	h.d.Press("enter") // Ask Cobalt: it finds Ann Quill, now in the index
	res, _ := h.m.Result()
	if res.Total != 1 || res.Matches[0].Entry.Key != "555" {
		t.Fatalf("after remote: %+v (asked %v)\n%s", res, asked, h.view())
	}
	if v := h.view(); !strings.Contains(v, "Cobalt found 1 patient; now in the list.") {
		t.Fatalf("view:\n%s", v)
	}
}

func entries(ix *state.Index) []state.Entry {
	r := ix.Search("", ix.Len())
	var out []state.Entry
	for _, m := range r.Matches {
		out = append(out, m.Entry)
	}
	return out
}

func TestHighlightSanitizesWithoutMovingOffsets(t *testing.T) {
	st := theme.New(true, true)
	got := uitest.Plain(highlight("a\x1b[31mb", []int{6}, st.Match))
	if strings.Contains(got, "\x1b") || got != "ab" {
		t.Fatalf("highlight = %q", got)
	}
	// A title-setting string, a C1 CSI and a bell: nothing of them shows,
	// and the highlighted runes after them are still the right ones.
	text := "Dr \x1b]0;owned\x07Zed\u009b2J\x07!"
	got = uitest.Plain(highlight(text, []int{strings.Index(text, "Z"), strings.Index(text, "!")}, st.Match))
	if got != "Dr Zed !" {
		t.Fatalf("highlight = %q", got)
	}
	styled := highlight(text, []int{strings.Index(text, "Z")}, theme.New(true, false).Match)
	if !strings.Contains(styled, "Z\x1b[") || strings.Contains(styled, "owned") {
		t.Fatalf("styled = %q", styled)
	}
}

func TestNormalizeAndPatientQuery(t *testing.T) {
	if got := NormalizeQuery("doe 05/15/1980"); got != "doe 1980-05-15" {
		t.Fatalf("NormalizeQuery = %q", got)
	}
	q := PatientQuery("Doe, John 05/15/1980")
	if q.LastName != "Doe" || q.FirstName != "John" || q.DOB != "1980-05-15" {
		t.Fatalf("PatientQuery = %+v", q)
	}
	q = PatientQuery("414421")
	if q.MRN != "414421" || q.LastName != "" {
		t.Fatalf("PatientQuery MRN = %+v", q)
	}
	q = PatientQuery("John Doe")
	if q.FirstName != "John" || q.LastName != "Doe" {
		t.Fatalf("PatientQuery names = %+v", q)
	}
}

// TestEnterBeforeTheAnswerWaitsForIt: Enter typed before the search for
// the last key has answered never takes a row of an older search ("zz"
// lists Gonzalez; "zzqq" matches nothing); the answer decides.
func TestEnterBeforeTheAnswerWaitsForIt(t *testing.T) {
	h := newHarness(t, Config{ID: 2, AllowNone: true}, referring(50))
	h.d.Type("z") // "Zed…" rows on screen
	if res, _ := h.m.Result(); res.Total == 0 {
		t.Fatal("z matches nothing: the test proves nothing")
	}
	for _, r := range "zqq" { // their searches still running
		h.m, _ = h.m.Update(uitest.Key(r))
	}
	h.m, _ = h.m.Update(uitest.Named("enter"))
	if c := h.m.Chosen(); !c.Empty() {
		t.Fatalf("enter before the answer chose %+v from the rows of an older search", c)
	}
	h.d.Run(h.m.Refresh()) // the answer for "zzqq" arrives
	h.d.Settle()
	if c := h.m.Chosen(); !c.Empty() || !strings.Contains(h.view(), "No match for “zzqq”") {
		t.Fatalf("after the answer: chose %+v\n%s", c, h.view())
	}
	h.m.SetQuery("")
	h.d.Type("alvare")
	h.m, _ = h.m.Update(uitest.Key('z'))
	h.m, _ = h.m.Update(uitest.Named("enter"))
	h.d.Run(h.m.Refresh())
	h.d.Settle()
	if c := h.m.Chosen(); c.Key != "5521" {
		t.Fatalf("enter before the answer for alvarez chose %+v, want it once the answer came", c)
	}
}

// TestScatteredLettersAreNoMatchForEnter: a one-word search whose only
// match is letters strewn over several parts of an entry (name, city) is
// not highlighted: Enter chooses nothing, ↓ then Enter chooses it.
func TestScatteredLettersAreNoMatchForEnter(t *testing.T) {
	ix := state.NewIndex([]state.Entry{state.ReferringProviderEntry(api.ReferringProvider{EHRID: "7", Name: "Gonzalez, Donna",
		Speciality: "Allergy", AddressCity: "Albuquerque", AddressState: "NM", NPI: "1234567890"})})
	h := newHarness(t, Config{ID: 2, AllowNone: true}, ix)
	h.d.Type("zzqq")
	if res, _ := h.m.Result(); res.Total != 1 {
		t.Fatalf("zzqq should still be found by the matcher: %+v", res)
	}
	if v := h.view(); !strings.Contains(v, "No close match for “zzqq”") || strings.Contains(v, "▸") {
		t.Fatalf("view before enter:\n%s", v)
	}
	h.d.Press("enter")
	if c := h.m.Chosen(); !c.Empty() {
		t.Fatalf("enter on scattered letters chose %+v", c)
	}
	if v := h.view(); !strings.Contains(v, "No match for “zzqq”: nothing was chosen") || strings.Contains(v, "▸") {
		t.Fatalf("view:\n%s", v)
	}
	h.d.Press("down", "enter")
	if c := h.m.Chosen(); c.Key != "7" {
		t.Fatalf("↓ enter chose %+v", c)
	}
	if q := h.m.Query(); q != "" {
		t.Fatalf("the search stays after a choice: %q", q)
	}
	for _, q := range []string{"gonz", "albuq", "gonzalez donna", "1234567890"} {
		h.m.SetQuery("")
		h.m.Clear()
		h.d.Type(q)
		h.d.Press("enter")
		if c := h.m.Chosen(); c.Key != "7" {
			t.Fatalf("%q: enter chose %+v", q, c)
		}
	}
}

// A patient's row shows the date of birth once, as the desk writes it
// (05/15/1980), although the ISO form is searched too; a date typed either
// way lights up the date shown.
func TestPatientRowShowsDOBOnce(t *testing.T) {
	for _, q := range []string{"", "05/15/1980", "1980-05-15", "doe"} {
		h := newHarness(t, Config{ID: 1, Patients: true}, patients())
		h.d.Type(q)
		_, v, _ := strings.Cut(h.view(), "\n") // the rows, under the query
		if !strings.Contains(v, "Doe, John · DOB 05/15/1980 · MRN 414421") || strings.Contains(v, "1980-05-15") {
			t.Fatalf("query %q: the DOB is not shown once:\n%s", q, v)
		}
		if q == "" {
			continue
		}
		st := theme.New(true, true)
		st.Match = lipgloss.NewStyle().Transform(func(s string) string { return "[" + s + "]" })
		h.m.styles = &st
		res, _ := h.m.Result()
		got := uitest.Plain(h.m.rowView(row{kind: rowEntry, match: res.Matches[0]}, 100))
		want := map[string]string{
			"05/15/1980": "Doe, John · DOB [05/15/1980] · MRN 414421",
			"1980-05-15": "Doe, John · DOB [05/15/1980] · MRN 414421",
			"doe":        "[Doe], John · DOB 05/15/1980 · MRN 414421",
		}[q]
		if got != want {
			t.Errorf("query %q: row %q, want %q", q, got, want)
		}
	}
}
