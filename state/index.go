package state

import "refdesk/search"

// The directory indexes the pickers search are package search's, over the
// entries built here (entries.go). Desk keeps one per directory.

// Entry is one searchable row of a directory.
type Entry struct {
	Key      string // what is sent: the EHR id, or the patient's MRN
	Name     string // "Alvarez, Maria" / "Doe, John"
	Detail   string // speciality · city · NPI for providers; DOB and MRN for patients
	Text     string // what the matcher searches and the picker shows (Name + Detail + ids + DOB forms)
	Inactive bool   // inactive providers rank last and are marked
}

// Doc is what the index reads of an entry.
func (e Entry) Doc() search.Doc { return search.Doc{Key: e.Key, Text: e.Text, Inactive: e.Inactive} }

// The index types over directory entries.
type (
	Index    = search.Index[Entry]
	Searcher = search.Searcher[Entry]
	Result   = search.Result[Entry]
	Match    = search.Match[Entry]
)

// NewIndex builds an index over entries; it keeps the slice.
func NewIndex(entries []Entry) *Index { return search.New(entries) }
