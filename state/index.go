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
	// What tells namesakes apart, as the directory has it (entries.go):
	// a patient's DOB (YYYY-MM-DD; the MRN is Key), a provider's
	// speciality, city ("City, ST") and NPI.
	DOB, Speciality, City, NPI string
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
