package state

// CONTRACT STUB (issue 4, the index): replace the bodies, keep the
// signatures (add more as needed).

// Entry is one searchable row of a directory.
type Entry struct {
	Key      string // what is sent: the EHR id, or the patient's MRN
	Name     string // "Alvarez, Maria" / "Doe, John"
	Detail   string // speciality · city · NPI for providers; DOB and MRN for patients
	Text     string // what the matcher searches and the picker shows (Name + Detail + ids + DOB forms)
	Inactive bool   // inactive providers rank last and are marked
}

// Match is one hit; Positions are byte offsets into Entry.Text of the
// matched characters, for highlighting.
type Match struct {
	Entry     Entry
	Positions []int
}

// Result answers one Search.
type Result struct {
	Query   string
	Matches []Match // best first, at most the limit asked for
	Total   int     // how many entries match in all
	Size    int     // how many entries the index holds
}

// Index is one directory's in-memory index, shared by every session. Safe
// for concurrent use; Replace swaps the contents atomically.
type Index struct{}

// NewIndex builds an index over entries.
func NewIndex(entries []Entry) *Index { return &Index{} }

// Search returns the best matches for query (recent and frequent choices
// first for an empty query and as tie-breaks; inactive last).
func (ix *Index) Search(query string, limit int) Result { return Result{Query: query} }

// Replace swaps the contents (after a sync).
func (ix *Index) Replace(entries []Entry) {}

// Touch records that key was chosen, for recency ranking.
func (ix *Index) Touch(key string) {}

// Lookup finds an entry by key.
func (ix *Index) Lookup(key string) (Entry, bool) { return Entry{}, false }

// Len is the number of entries.
func (ix *Index) Len() int { return 0 }
