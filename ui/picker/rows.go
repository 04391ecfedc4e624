package picker

// rows is the list shown: the matches, "No provider" first for providers
// while nothing is typed (typed text never lands on it: it is chosen on
// purpose, from an empty search or with its own key), "Ask Cobalt" for
// patients when nothing matches a query.
func (m Model) rows() []row {
	var rows []row
	if m.cfg.AllowNone && m.typed() == "" {
		rows = append(rows, row{kind: rowNone})
	}
	for _, mt := range m.res.Matches {
		rows = append(rows, row{kind: rowEntry, match: mt})
	}
	if m.offerAsk() {
		rows = append(rows, row{kind: rowAsk})
	}
	return rows
}

func (m Model) offerAsk() bool {
	return m.cfg.Patients && m.cfg.Remote != nil && m.loaded && m.res.Total == 0 &&
		len(m.input.Value()) > 0
}

// firstCursor puts the cursor on the best match, past the "No provider" row.
func (m Model) firstCursor() int {
	if m.cfg.AllowNone && m.typed() == "" && len(m.res.Matches) > 0 {
		return 1
	}
	return 0
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}
