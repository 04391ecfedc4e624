package form

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"refdesk/icd10"
	"refdesk/ui/theme"
)

// SplitCodes reads diagnosis codes typed or pasted with commas, semicolons
// or spaces between them.
func SplitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// allCodes reports whether every word of s reads as a code ("I10, z8739"),
// so Enter or a paste adds them all rather than searching words.
func allCodes(s string) bool {
	words := SplitCodes(s)
	for _, w := range words {
		if !icd10.CodePrefix(w) {
			return false
		}
	}
	return len(words) > 0
}

// codesField is the Diagnosis codes field: a search over the code set (a
// code prefix or words), its matches, and the codes chosen so far. The
// search runs in Update: over the whole set it takes well under a
// millisecond of CPU per key (icd10's BenchmarkSearchTyping), so there is
// nothing to wait for and Enter always acts on the list shown.
type codesField struct {
	set       *icd10.Set
	now       func() time.Time
	styles    *theme.Styles
	keys      *theme.Keys
	input     textinput.Model
	chosen    []string // canonical
	res       icd10.Result
	suggest   []icd10.Code // "did you mean" rows when nothing matches a code
	cursor    int
	announced string // the query whose refusal Enter just showed
}

func newCodes(set *icd10.Set, now func() time.Time, st *theme.Styles, keys *theme.Keys) codesField {
	if set == nil {
		set = icd10.Embedded()
	}
	if now == nil {
		now = time.Now
	}
	in := textinput.New()
	in.Prompt = "› "
	// view sets the placeholder: the longest hint that fits.
	in.CharLimit = 400
	in.SetStyles(st.TextInput)
	return codesField{set: set, now: now, styles: st, keys: keys, input: in}
}

// SetStyles applies new styles.
func (c *codesField) SetStyles(st *theme.Styles) { c.styles = st; c.input.SetStyles(st.TextInput) }

// SetWidth sets the input's width.
func (c *codesField) SetWidth(w int) { c.input.SetWidth(w) }

// Focus gives the field the keyboard.
func (c *codesField) Focus() tea.Cmd { return c.input.Focus() }

// Blur takes the keyboard away.
func (c *codesField) Blur() { c.input.Blur() }

// Query is the text typed and not yet added.
func (c codesField) Query() string { return c.input.Value() }

// Codes are the codes for the referral: those chosen, then what is typed
// and not added (its codes one by one, or its words as one entry), so the
// rule refuses them with its words and a draft keeps them.
func (c codesField) Codes() []string {
	out := append([]string(nil), c.chosen...)
	q := strings.TrimSpace(c.input.Value())
	switch {
	case q == "":
	case allCodes(q):
		out = append(out, SplitCodes(q)...)
	default:
		out = append(out, q)
	}
	return out
}

// SetCodes restores codes (a draft, a reopened referral): codes of the set
// are chosen, anything else is put back in the input as typed.
func (c *codesField) SetCodes(codes []string) {
	c.chosen = nil
	var rest []string
	for _, s := range codes {
		if got, err := c.set.Check(s); err == nil {
			c.add(got)
		} else {
			rest = append(rest, strings.TrimSpace(s))
		}
	}
	c.input.SetValue(strings.Join(rest, " "))
	c.search()
}

// clear empties the input (Esc), keeping the codes chosen.
func (c *codesField) clear() {
	c.input.SetValue("")
	c.search()
}

func (c *codesField) add(code string) {
	for _, have := range c.chosen {
		if have == code {
			return
		}
	}
	c.chosen = append(c.chosen, code)
}

// search runs the query and puts the cursor on the best row.
func (c *codesField) search() {
	c.announced = ""
	c.cursor = 0
	c.suggest = nil
	q := strings.TrimSpace(c.input.Value())
	if q == "" || (len(SplitCodes(q)) > 1 && allCodes(q)) {
		c.res = icd10.Result{}
		return
	}
	c.res = c.set.Search(q, 50)
	if c.res.Total == 0 && icd10.CodePrefix(q) {
		if _, err := c.set.Check(q); err != nil {
			if ce, ok := err.(*icd10.CodeError); ok && ce.Problem == icd10.NearMiss {
				c.suggest = ce.Suggest
			}
		}
	}
}

// rowCount is how many rows the list shows.
func (c codesField) rowCount() int {
	if len(c.suggest) > 0 {
		return len(c.suggest)
	}
	return len(c.res.Matches)
}

func (c codesField) row(i int) icd10.Match {
	if len(c.suggest) > 0 {
		return icd10.Match{Code: c.suggest[i]}
	}
	return c.res.Matches[i]
}

// commit adds every code of the input when it holds only codes; the
// refused ones stay in the input, and their messages are returned.
func (c *codesField) commit() []string {
	q := strings.TrimSpace(c.input.Value())
	if q == "" || !allCodes(q) {
		return nil
	}
	var rest, msgs []string
	for _, w := range SplitCodes(q) {
		got, err := c.set.Check(w)
		if err != nil {
			rest, msgs = append(rest, w), append(msgs, theme.Clean(err.Error()))
			continue
		}
		c.add(got)
	}
	c.input.SetValue(strings.Join(rest, " "))
	c.input.CursorEnd()
	c.search()
	return msgs
}

// enter is Enter with text in the input. It adds typed codes; else the
// highlighted row: a code is added, a category opens into its codes. A
// refusal is shown first, once, with the list still there to choose from.
// done reports that a line of several codes was added whole: the clerk
// typed or pasted them all, so the form moves on.
func (c *codesField) enter() (msg string, done bool) {
	q := strings.TrimSpace(c.input.Value())
	if allCodes(q) && len(SplitCodes(q)) > 1 {
		msg := strings.Join(c.commit(), "\n")
		return msg, msg == ""
	}
	if allCodes(q) {
		if got, err := c.set.Check(q); err == nil {
			c.add(got)
			c.input.SetValue("")
			c.search()
			return "", false
		} else if c.announced != q {
			c.announced = q
			c.cursorToBillable()
			return theme.Clean(err.Error()), false
		}
	}
	if c.rowCount() == 0 {
		return "No code matches “" + theme.Clean(q) + "” in " + c.set.Name() +
			": try fewer or other words, or the start of a code.", false
	}
	r := c.row(min(c.cursor, c.rowCount()-1))
	if !r.Billable {
		c.input.SetValue(r.Code.Code)
		c.input.CursorEnd()
		c.search()
		c.cursorToBillable()
		return "", false
	}
	c.add(r.Code.Code)
	c.input.SetValue("")
	c.search()
	return "", false
}

// cursorToBillable puts the cursor on the first billable row at or after
// it (the codes of a category shown first).
func (c *codesField) cursorToBillable() {
	for i := c.cursor; i < c.rowCount(); i++ {
		if c.row(i).Billable {
			c.cursor = i
			return
		}
	}
}

// leave adds the codes typed when the field is left; it returns the
// messages for what stays (codes refused, or words not chosen).
func (c *codesField) leave() string {
	msgs := c.commit()
	q := strings.TrimSpace(c.input.Value())
	if q != "" && !allCodes(q) {
		if _, err := c.set.Check(q); err != nil {
			msg := theme.Clean(err.Error())
			if c.rowCount() > 0 {
				msg += " Or press Enter to add the highlighted code."
			}
			msgs = append(msgs, msg)
		}
	}
	return strings.Join(msgs, "\n")
}

// codesKey handles a key or a paste in the Diagnosis codes field.
func (m Model) codesKey(msg tea.Msg) (Model, tea.Cmd) {
	c := &m.codes
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, m.cfg.Keys.Choose):
			if strings.TrimSpace(c.input.Value()) == "" {
				return m, m.move(1)
			}
			msg, done := c.enter()
			m.errs[FieldCodes] = msg
			if done {
				return m, m.move(1)
			}
			return m, nil
		case key.Matches(kp, m.cfg.Keys.Up):
			if c.cursor > 0 {
				c.cursor--
			}
			return m, nil
		case key.Matches(kp, m.cfg.Keys.Down):
			if c.cursor < c.rowCount()-1 {
				c.cursor++
			}
			return m, nil
		case key.Matches(kp, m.cfg.Keys.Erase) && c.input.Value() == "" && len(c.chosen) > 0:
			c.chosen = c.chosen[:len(c.chosen)-1]
			m.errs[FieldCodes] = ""
			return m, nil
		}
	}
	before := c.input.Value()
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	if c.input.Value() == before {
		return m, cmd
	}
	m.errs[FieldCodes] = ""
	if _, paste := msg.(tea.PasteMsg); paste && allCodes(c.input.Value()) {
		m.errs[FieldCodes] = strings.Join(c.commit(), "\n")
		return m, cmd
	}
	c.search()
	return m, cmd
}
