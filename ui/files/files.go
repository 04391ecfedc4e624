// Package files is the Documents field: a scanner inbox rooted at the
// documents folder (newest files first with their age and size, the desk's
// own upload inbox first, a fuzzy search by name, Space to mark several), the list of chosen files with their sizes, and the
// running size of the request (documents count 4/3 once base64-encoded)
// against Cobalt's 25 MB limit. Files Cobalt would refuse (no extension,
// empty) are refused when chosen, with Cobalt's messages. In confined mode
// (serve) the picker never leaves the documents folder: not by "..", not by
// a symlink that points outside.
package files

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/theme"
)

// Model is the documents field.
type Model struct {
	root     string // absolute
	realRoot string // root with symlinks resolved
	confine  bool
	br       browser
	lines    int    // the lines the open picker may take, with the request total and a message
	gen      int    // generation of the last folder read asked for
	inbox    string // the desk's upload inbox (absolute), listed first at the root
	sent     func() map[string]bool
	now      func() time.Time
	picking  bool
	docs     []state.DocumentRef
	cursor   int
	msg      string
	base     int64 // bytes of the request without documents
	// offer: a chosen file whose content shows another type than its
	// name, waiting for the answer: send it under the name its content
	// shows (highlighted first: Enter does it), or do not attach it
	// (offerNo: highlighted after →).
	offer       *state.DocumentRef
	offerNo     bool
	offerNote   string   // said when the clerk tried to leave with the question open
	batch       int      // files attached so far of the marked ones Enter attaches
	attachedMsg string   // what attaching the last of them said
	refused     []string // why those refused were not attached
	styles      *theme.Styles
	keys        *theme.Keys
}

// New roots a documents field at dir.
func New(dir string, confine bool, st *theme.Styles, keys *theme.Keys) Model {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		real = abs
	}
	m := Model{root: abs, realRoot: real, confine: confine, styles: st, keys: keys, now: time.Now}
	m.br = browser{dir: abs}
	m.SetHeight(15)
	return m
}

// SetInbox names the desk's own upload inbox (serve: inbox/<desk>/ inside
// the documents folder); its files come first at the top of the picker.
func (m *Model) SetInbox(dir string) {
	if dir == "" {
		m.inbox = ""
		return
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	m.inbox = dir
}

// SetSent gives the picker a way to know which files were attached to a
// referral already sent (by path); it is called off the screen's loop.
func (m *Model) SetSent(f func() map[string]bool) { m.sent = f }

// SetStyles applies new styles.
func (m *Model) SetStyles(st *theme.Styles) { m.styles = st }

// SetHeight sets how many lines the open picker may take: its folder,
// search, rows and keys, the request total and a message above. The list
// takes the lines the rest leaves (it gives up rows first); paging moves
// by the rows shown when no message takes a line.
func (m *Model) SetHeight(h int) {
	m.lines = max(5, h)       // one row at least
	m.br.height = m.lines - 4 // folder, search, keys, request total
	m.br.scroll()
}

// SetBase tells the field how large the request is without documents, so
// the running total is the whole body's.
func (m *Model) SetBase(n int64) { m.base = n }

// Docs are the chosen documents.
func (m Model) Docs() []state.DocumentRef { return append([]state.DocumentRef(nil), m.docs...) }

// SetDocs restores documents (a draft, a reopened referral) as they were;
// Check re-reads them from disk.
func (m *Model) SetDocs(d []state.DocumentRef) {
	m.docs = append([]state.DocumentRef(nil), d...)
	m.cursor = 0
}

// Picking reports whether the file picker is open.
func (m Model) Picking() bool { return m.picking }

// Message is the last refusal or note ("" when none).
func (m Model) Message() string { return m.msg }

// Open shows the file picker at the documents folder, reading it afresh.
func (m *Model) Open() tea.Cmd {
	m.picking = true
	m.msg = ""
	m.br.query, m.br.marked, m.br.cursor, m.br.offset = "", nil, 0, 0
	return m.load(m.root)
}

// load reads dir for the picker.
func (m *Model) load(dir string) tea.Cmd {
	m.gen++
	m.br.loading = true
	return readDir(m.gen, dir, m.inbox, filepath.Clean(dir) == filepath.Clean(m.root), m.sent)
}

// Close hides the file picker (Esc), and drops a question about a file's
// name.
func (m *Model) Close() {
	if m.offer != nil {
		m.Decline()
	}
	m.picking = false
}

// Offering reports whether a chosen file waits for the answer: send it
// under the name its content shows, or not.
func (m Model) Offering() bool { return m.offer != nil }

// Pending is the name of the file the open question is about ("" with no
// question): it is not attached until the question is answered.
func (m Model) Pending() string {
	if m.offer == nil {
		return ""
	}
	return theme.Clean(filepath.Base(m.offer.Path))
}

// Unanswered is what leaving the field (Tab, ctrl+s) says while the
// question is open: it answers nothing, the question stays and says the
// file is not attached yet. It returns the same words for the flash.
func (m *Model) Unanswered() string {
	if m.offer == nil {
		return ""
	}
	m.offerNote = "You must answer first: " + theme.Clean(filepath.Base(m.offer.Path)) + " is not attached yet."
	return m.offerNote
}

// Decline answers the question "no": the file is not attached (Esc, n).
func (m *Model) Decline() {
	if m.offer != nil {
		m.msg = theme.Clean(filepath.Base(m.offer.Path)) + " was not attached."
		m.offer, m.offerNote = nil, ""
	}
}

// offerKey answers the question: y sends the file under the name its
// content shows, n does not attach it, Enter does what is highlighted
// (sending, until ← or → moves the highlight). Other keys leave the
// question open: a stray key decides nothing.
func (m Model) offerKey(kp tea.KeyPressMsg) Model {
	enter := key.Matches(kp, m.keys.Choose)
	yes := key.Matches(kp, m.keys.Yes) || (enter && !m.offerNo)
	no := key.Matches(kp, m.keys.No) || (enter && m.offerNo)
	o := *m.offer
	switch {
	case yes:
		m.offer, m.offerNote = nil, ""
		m.msg = ""
		m.keep(o)
	case no:
		m.Decline()
	case key.Matches(kp, m.keys.Left, m.keys.Right):
		m.offerNo = !m.offerNo
		return m
	default:
		return m
	}
	if b := &m.br; len(b.marked) > 0 && b.marked[0] == o.Path { // answered for one of the marked: on with the rest
		b.marked = b.marked[1:]
		if strings.HasPrefix(m.msg, "Attached ") {
			m.batch, m.attachedMsg = m.batch+1, m.msg
			m.attachMarked()
		} else {
			// "not attached" stays on screen, the rest still marked
			m.msg = m.batchMsg(m.msg)
		}
	}
	return m
}

// BodySize is the size of the whole request with the chosen documents.
func (m Model) BodySize() int64 { return BodySize(m.base, m.docs) }

// BodySize adds each document's encoded size and JSON framing to base.
func BodySize(base int64, docs []state.DocumentRef) int64 {
	n := base
	if len(docs) > 0 {
		n += int64(len(`,"documents":[]`))
	}
	for i, d := range docs {
		n += int64(len(`{"filename":"","content_base64":""}`)) + int64(len(jsonString(d.Name))) - 2 +
			api.Base64Len(d.Size)
		if i > 0 {
			n++
		}
	}
	return n
}

// Update handles keys (the field has focus) and the folder listings.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if l, ok := msg.(listing); ok {
		if l.gen == m.gen {
			m.br.loading = false
			m.br.dir, m.br.all, m.br.err = l.dir, l.entries, l.err
			m.br.cursor, m.br.offset = 0, 0
			m.br.filter()
		}
		return m, nil
	}
	var kp tea.KeyPressMsg
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		kp = msg
	case tea.PasteMsg:
		if m.picking {
			m.br.query += theme.Clean(strings.ReplaceAll(msg.Content, "\n", " "))
			m.br.filter()
		}
		return m, nil
	default:
		return m, nil
	}
	if m.offer != nil {
		return m.offerKey(kp), nil
	}
	m.msg = "" // a note answers the last key; the next key moves on
	if !m.picking {
		switch {
		case key.Matches(kp, m.keys.Add):
			return m, m.Open()
		case key.Matches(kp, m.keys.Remove):
			if m.cursor < len(m.docs) {
				m.msg = "Removed " + theme.Clean(m.docs[m.cursor].Name) + "."
				m.docs = append(m.docs[:m.cursor], m.docs[m.cursor+1:]...)
				m.cursor = min(m.cursor, max(0, len(m.docs)-1))
			}
		case key.Matches(kp, m.keys.Up):
			m.cursor = max(0, m.cursor-1)
		case key.Matches(kp, m.keys.Down):
			m.cursor = min(max(0, len(m.docs)-1), m.cursor+1)
		}
		return m, nil
	}
	return m.pickKey(kp)
}

// inside reports whether p, with symlinks resolved, is within the root.
func (m Model) inside(p string) bool {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(m.realRoot, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// add checks a chosen file as Cobalt would and keeps it, or says why not.
func (m *Model) add(path string) {
	i := len(m.docs)
	name := filepath.Base(path)
	if m.confine && !m.inside(path) {
		m.msg = "That file is outside the documents folder and cannot be attached here."
		return
	}
	info, err := os.Stat(path)
	switch {
	case err != nil:
		m.msg = "Cannot read " + theme.Clean(name) + ": " + theme.Clean(errText(err)) + "."
		return
	case !info.Mode().IsRegular():
		m.msg = theme.Clean(name) + " is not a regular file."
		return
	case info.Size() == 0:
		m.msg = api.ContentMessage(i) + " " + theme.Clean(name) + " is empty."
		return
	}
	for _, d := range m.docs {
		if d.Path == path {
			m.msg = theme.Clean(name) + " is already attached."
			return
		}
	}
	ref := state.DocumentRef{Name: name, Path: path, Size: info.Size()}
	if t, fixed, ok := state.SendName(path, name); ok {
		ref.Name = fixed
		m.offer, m.offerNo, m.offerNote = &ref, false, ""
		m.msg = theme.Clean(name) + " looks like a " + t.Label + ": send it as " + theme.Clean(fixed) +
			"? (the file on disk is not renamed)"
		return
	}
	if !api.HasExtension(name) {
		m.msg = api.FilenameMessage(i) + " " + theme.Clean(name) +
			" has no extension and its content is not a PDF, TIFF, PNG or JPEG: rename it with its type where it was saved, then attach it again."
		return
	}
	m.keep(ref)
}

// keep attaches ref when the request still fits.
func (m *Model) keep(ref state.DocumentRef) {
	name := ref.Name
	next := append(m.Docs(), ref)
	if n := BodySize(m.base, next); n > api.MaxRequestBytes {
		m.msg = api.TooLargeMessage(n)
		return
	}
	m.docs = next
	m.cursor = len(m.docs) - 1
	m.picking = false
	m.msg = "Attached " + theme.Clean(name) + " (" + api.HumanBytes(ref.Size) + ")."
}

// Check re-reads the chosen documents from disk (before review): each must
// still exist, be non-empty, and the total must fit. It returns Cobalt's
// message for the first problem and updates the sizes.
func (m *Model) Check() string {
	for i := range m.docs {
		d := &m.docs[i]
		if !api.HasExtension(d.Name) {
			return api.FilenameMessage(i)
		}
		info, err := os.Stat(d.Path)
		if err != nil {
			return theme.Clean(d.Name) + " can no longer be read (" + theme.Clean(errText(err)) + "). Remove it or choose it again."
		}
		d.Size = info.Size()
		if d.Size == 0 {
			return api.ContentMessage(i) + " " + theme.Clean(d.Name) + " is empty."
		}
	}
	if n := m.BodySize(); n > api.MaxRequestBytes {
		return api.TooLargeMessage(n)
	}
	return ""
}

// errText drops the path from an OS error (it may name a patient).
func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
