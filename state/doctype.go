package state

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DocType is a document kind known by its first bytes (magic number).
type DocType struct {
	Label string   // "PDF"
	Ext   string   // "pdf": the extension offered
	Exts  []string // every extension that names it
	magic [][]byte
}

// docTypes are the kinds a scan arrives as (a new slice each call: no
// package-level state).
func docTypes() []DocType {
	return []DocType{
		{Label: "PDF", Ext: "pdf", Exts: []string{"pdf"}, magic: [][]byte{[]byte("%PDF-")}},
		{Label: "TIFF", Ext: "tiff", Exts: []string{"tif", "tiff"}, magic: [][]byte{[]byte("II*\x00"), []byte("MM\x00*")}},
		{Label: "PNG", Ext: "png", Exts: []string{"png"}, magic: [][]byte{[]byte("\x89PNG\r\n\x1a\n")}},
		{Label: "JPEG", Ext: "jpg", Exts: []string{"jpg", "jpeg", "jpe", "jfif"}, magic: [][]byte{[]byte("\xff\xd8\xff")}},
	}
}

// SniffDocType reads the first bytes of the file at path and names its
// kind; ok is false for content it does not know (or cannot read).
func SniffDocType(path string) (DocType, bool) {
	f, err := os.Open(path)
	if err != nil {
		return DocType{}, false
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for _, t := range docTypes() {
		for _, m := range t.magic {
			if bytes.HasPrefix(head, m) {
				return t, true
			}
		}
	}
	return DocType{}, false
}

// SendName is the name a document should be sent under when its content
// shows a kind its name does not say: "faxscan" or "faxscan.txt" holding a
// PDF becomes "faxscan.pdf". ok is false when the name already fits, or
// the content is of no known kind.
func SendName(path, name string) (DocType, string, bool) {
	t, known := SniffDocType(path)
	if !known {
		return DocType{}, "", false
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	for _, e := range t.Exts {
		if ext == e {
			return t, "", false
		}
	}
	base := strings.TrimSuffix(name, filepath.Ext(name))
	if base == "" || !wordExt(ext) { // ".pdf" alone, or "scan.11.29": the dot is not a type
		base = name
	}
	return t, base + "." + t.Ext, true
}

// wordExt reports whether ext looks like a file type (letters, short).
func wordExt(ext string) bool {
	if ext == "" || len(ext) > 5 {
		return false
	}
	for _, r := range ext {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
