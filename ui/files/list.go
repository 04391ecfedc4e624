package files

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"
)

// entry is one row of the scanner inbox: a file or a folder.
type entry struct {
	name  string // as shown: the file's name, "inbox/<name>" for the desk's inbox
	path  string // absolute
	dir   bool
	size  int64
	mod   time.Time
	sent  bool // already attached to a referral that was sent
	inbox bool // from the desk's own upload inbox
}

// listing is a folder as read by readDir, for the generation that asked.
type listing struct {
	gen     int
	dir     string
	entries []entry
	err     string
}

// readDir lists dir as a scanner inbox: when dir is the root, the files of
// the desk's own inbox first; then the folder's files, newest first; then
// its folders by name. Hidden entries (names starting with a dot, such as
// uploads in progress) are left out. It runs in a tea.Cmd: a folder on a
// slow share does not stop the screen.
func readDir(gen int, dir, inbox string, atRoot bool, sent func() map[string]bool) tea.Cmd {
	return func() tea.Msg {
		l := listing{gen: gen, dir: dir}
		var sentPaths map[string]bool
		if sent != nil {
			sentPaths = sent()
		}
		files, dirs, err := scan(dir, sentPaths)
		if err != nil {
			l.err = "Cannot read this folder: " + errText(err) + "."
		}
		if atRoot && inbox != "" {
			own, _, _ := scan(inbox, sentPaths)
			for i := range own {
				own[i].inbox = true
				own[i].name = "inbox/" + own[i].name
			}
			l.entries = append(l.entries, own...)
		}
		l.entries = append(l.entries, files...)
		l.entries = append(l.entries, dirs...)
		return l
	}
}

// scan reads one folder: its files newest first (then by name), its
// folders by name. Symbolic links are followed for the kind, size and time.
func scan(dir string, sent map[string]bool) (files, dirs []entry, err error) {
	des, err := os.ReadDir(dir)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, de.Name())
		info, statErr := os.Stat(p)
		if statErr != nil {
			info, statErr = de.Info()
			if statErr != nil {
				continue
			}
		}
		e := entry{name: de.Name(), path: p, dir: info.IsDir(), size: info.Size(), mod: info.ModTime(), sent: sent[p]}
		if e.dir {
			dirs = append(dirs, e)
		} else {
			files = append(files, e)
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.After(files[j].mod)
		}
		return files[i].name < files[j].name
	})
	sort.SliceStable(dirs, func(i, j int) bool { return dirs[i].name < dirs[j].name })
	return files, dirs, err
}

// browser is the open picker: the folder shown, its rows filtered by the
// typed search, the cursor and the marked files.
type browser struct {
	dir     string
	all     []entry
	rows    []int // indexes into all, in the order shown
	query   string
	cursor  int
	offset  int
	height  int
	marked  []string // paths, in the order marked
	loading bool
	err     string
}

// filter recomputes the rows for the query: all entries in their order
// when empty, else fuzzy matches on the name, best first.
func (b *browser) filter() {
	b.rows = b.rows[:0]
	if b.query == "" {
		for i := range b.all {
			b.rows = append(b.rows, i)
		}
	} else {
		names := make([]string, len(b.all))
		for i, e := range b.all {
			names[i] = e.name
		}
		for _, m := range fuzzy.Find(b.query, names) {
			b.rows = append(b.rows, m.Index)
		}
	}
	b.cursor = min(b.cursor, max(0, len(b.rows)-1))
	b.scroll()
}

func (b *browser) scroll() {
	h := max(1, b.height)
	if b.cursor < b.offset {
		b.offset = b.cursor
	}
	if b.cursor >= b.offset+h {
		b.offset = b.cursor - h + 1
	}
	b.offset = max(0, min(b.offset, max(0, len(b.rows)-h)))
}

func (b *browser) move(d int) {
	if len(b.rows) == 0 {
		return
	}
	b.cursor = min(max(0, b.cursor+d), len(b.rows)-1)
	b.scroll()
}

// highlighted is the entry under the cursor.
func (b *browser) highlighted() (entry, bool) {
	if b.cursor >= len(b.rows) {
		return entry{}, false
	}
	return b.all[b.rows[b.cursor]], true
}

func (b *browser) isMarked(p string) bool {
	for _, q := range b.marked {
		if q == p {
			return true
		}
	}
	return false
}

// toggle marks or unmarks a file (folders are not marked).
func (b *browser) toggle(e entry) {
	if e.dir {
		return
	}
	for i, q := range b.marked {
		if q == e.path {
			b.marked = append(b.marked[:i], b.marked[i+1:]...)
			return
		}
	}
	b.marked = append(b.marked, e.path)
}

// age says how long ago t was, as a clerk reads it.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h ago"
	case d < 48*time.Hour:
		return "yesterday"
	case d < 7*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days ago"
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2")
	}
	return t.Format("Jan 2 2006")
}
