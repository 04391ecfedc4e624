package api

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// DocumentError says a document could not be read while the body was being
// written. It names the document by position only: a file's name or path
// may carry a patient's name.
type DocumentError struct {
	Index int // 0-based, as in documents[i]
	Err   error
}

func (e *DocumentError) Error() string {
	return fmt.Sprintf("document %d could not be read: %v", e.Index+1, e.Err)
}

func (e *DocumentError) Unwrap() error { return e.Err }

// ErrDocumentChanged means a document's size on disk differs from the Size
// it was chosen with.
var ErrDocumentChanged = errors.New("its size changed since it was chosen")

// bodyBufferSize is the write buffer between the encoder and the pipe.
const bodyBufferSize = 64 << 10

// The fixed JSON around each document's base64.
const (
	docsOpen      = `,"documents":[`
	docOpen       = `{"filename":`
	docContent    = `,"content_base64":"`
	docClose      = `"}`
	docsClose     = `]}`
	docsSeparator = `,`
)

// head is the JSON object without documents, as written on the wire (no
// trailing newline; <, >, & literal).
func (r ReferralRequest) head() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(WireReferral{
		PatientMRN:        r.PatientMRN,
		FromProviderEHRID: r.FromProviderEHRID,
		ToProviderEHRID:   r.ToProviderEHRID,
		Direction:         r.Direction,
		Priority:          r.Priority,
		Reason:            r.Reason,
		DiagnosisCodes:    r.DiagnosisCodes,
	}) // cannot fail: strings only
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// jsonString is s as a JSON string literal (<, >, & literal).
func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// BodySize is the exact size in bytes of the JSON body CreateReferral
// writes for r, documents base64-encoded.
func (r ReferralRequest) BodySize() int64 {
	n := int64(len(r.head()))
	if len(r.Documents) == 0 {
		return n
	}
	n += int64(len(docsOpen) - 1 + len(docsClose)) // head's "}" becomes part of docsClose
	for i, d := range r.Documents {
		if i > 0 {
			n += int64(len(docsSeparator))
		}
		n += int64(len(docOpen) + len(jsonString(d.Filename)) + len(docContent) + len(docClose))
		n += Base64Len(max(d.Size, 0))
	}
	return n
}

// bodyReader returns the streamed body and its exact length. A goroutine
// writes the JSON into a pipe, base64-encoding each document as it is read;
// it ends when the body is written or the transport closes the reader.
func (r ReferralRequest) bodyReader() (io.ReadCloser, int64) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(r.WriteBody(pw)) }()
	return pr, r.BodySize()
}

// WriteBody writes r's JSON body to w, exactly BodySize bytes, holding at
// most one buffer of each document in memory.
func (r ReferralRequest) WriteBody(w io.Writer) error {
	bw := bufio.NewWriterSize(w, bodyBufferSize)
	head := r.head()
	if len(r.Documents) == 0 {
		_, _ = bw.Write(head)
		return bw.Flush()
	}
	_, _ = bw.Write(head[:len(head)-1])
	_, _ = bw.WriteString(docsOpen)
	for i, d := range r.Documents {
		if i > 0 {
			_, _ = bw.WriteString(docsSeparator)
		}
		_, _ = bw.WriteString(docOpen)
		_, _ = bw.Write(jsonString(d.Filename))
		_, _ = bw.WriteString(docContent)
		if err := copyDocument(bw, i, d); err != nil {
			return err
		}
		if _, err := bw.WriteString(docClose); err != nil {
			return err // the reader went away
		}
	}
	_, _ = bw.WriteString(docsClose)
	return bw.Flush()
}

// copyDocument base64-encodes exactly d.Size bytes of d into w.
func copyDocument(w io.Writer, i int, d Document) error {
	if d.Open == nil {
		return &DocumentError{Index: i, Err: errors.New("no way to open it")}
	}
	f, err := d.Open()
	if err != nil {
		return &DocumentError{Index: i, Err: withoutPath(err)}
	}
	defer f.Close()
	enc := base64.NewEncoder(base64.StdEncoding, w)
	if _, err := io.CopyN(enc, f, d.Size); err != nil {
		if errors.Is(err, io.EOF) {
			return &DocumentError{Index: i, Err: ErrDocumentChanged}
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &DocumentError{Index: i, Err: withoutPath(err)}
		}
		return err // a write error: the transport stopped reading
	}
	var one [1]byte
	if n, _ := io.ReadFull(f, one[:]); n > 0 {
		return &DocumentError{Index: i, Err: ErrDocumentChanged}
	}
	return enc.Close()
}

// withoutPath drops the file path from an fs error (it may name a patient).
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
