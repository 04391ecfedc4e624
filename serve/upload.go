package serve

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"

	"refdesk/api"
)

// inboxWriter is the scp.CopyFromClientHandler of one scp session.
type inboxWriter struct {
	log   *slog.Logger
	attrs []any // the session's log attributes (no file names)
	max   int64
}

var _ scp.CopyFromClientHandler = (*inboxWriter)(nil)

// Mkdir refuses folders (a client sends one only with -r, which the
// middleware refuses earlier).
func (w *inboxWriter) Mkdir(s ssh.Session, _ *scp.DirEntry) error {
	w.outcome(0, "folder refused")
	return w.refuse(s, fmt.Sprintf(msgNoFolders, safeUser(s.User())))
}

// Write saves one file into the user's folder (see the package's SCP
// notes): refused from its header if too large or unnamed, written to a
// hidden temporary file, and linked under its cleaned name only once
// complete. It never overwrites.
func (w *inboxWriter) Write(s ssh.Session, e *scp.FileEntry) (int64, error) {
	us, ok := s.(*uploadSession)
	if !ok {
		return 0, errors.New("refdesk: upload session missing")
	}
	if e.Size > w.max {
		w.outcome(e.Size, "refused: too large")
		return 0, w.refuse(s, fmt.Sprintf(msgTooLarge, api.HumanBytes(e.Size), api.HumanBytes(w.max), api.HumanBytes(api.MaxRequestBytes)))
	}
	name, ok := cleanName(e.Name)
	if !ok {
		w.outcome(0, "refused: unusable name")
		return 0, w.refuse(s, msgBadName)
	}
	tmp, err := tempName()
	if err != nil {
		return 0, w.failed(s, 0, "failed: temporary name", err)
	}
	f, err := us.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, w.failed(s, 0, "failed: create", err)
	}
	defer func() { _ = us.root.Remove(tmp) }() // after a link (or a failure) the temporary name goes
	fw := &writeErr{w: f}
	n, err := io.Copy(fw, io.LimitReader(e.Reader, e.Size))
	if fw.err != nil { // the disk's fault, not the client's
		_ = f.Close()
		return n, w.failed(s, n, "failed: write", fw.err)
	}
	if err != nil || n != e.Size {
		_ = f.Close()
		w.outcome(n, "failed: interrupted")
		return n, w.refuse(s, msgInterrupted)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return n, w.failed(s, n, "failed: sync", err)
	}
	if err := f.Close(); err != nil {
		return n, w.failed(s, n, "failed: close", err)
	}
	if err := commit(us.root, tmp, name); err != nil {
		return n, w.failed(s, n, "failed: rename", err)
	}
	w.outcome(n, "saved")
	return n, nil
}

// writeErr remembers the error of the writer it wraps, so a failed copy can
// be blamed on the disk or on the connection.
type writeErr struct {
	w   io.Writer
	err error
}

func (w *writeErr) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// commit gives the complete temporary file its name, adding " (2)", " (3)"...
// while the name is taken. It links rather than renames, so an existing file
// is never replaced; on a file system without hard links it renames after
// checking the name is free (only the same user's concurrent uploads could
// race there).
func commit(root *os.Root, tmp, name string) error {
	for n := 1; n <= 10000; n++ {
		cand := numbered(name, n)
		err := root.Link(tmp, cand)
		if err == nil {
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if _, lerr := root.Lstat(cand); lerr == nil {
			continue
		} else if !errors.Is(lerr, fs.ErrNotExist) {
			return err
		}
		return root.Rename(tmp, cand)
	}
	return errors.New("too many files with the same name")
}

// refuse records msg as what the client sees and returns it as the error
// that makes wish's middleware end the session.
func (w *inboxWriter) refuse(s ssh.Session, msg string) error {
	if us, ok := s.(*uploadSession); ok {
		us.refusal(msg)
	}
	return errors.New(msg)
}

// failed logs a server-side failure (the error without its path, which
// would carry the file name) and tells the client nothing was kept.
func (w *inboxWriter) failed(s ssh.Session, n int64, outcome string, err error) error {
	w.log.Warn("scp upload", append(w.attrs, "bytes", n, "outcome", outcome, "err", pathless(err))...)
	return w.refuse(s, msgNotSaved)
}

// outcome logs one file's result: no file name, ever.
func (w *inboxWriter) outcome(n int64, outcome string) {
	w.log.Info("scp upload", append(w.attrs, "bytes", n, "outcome", outcome)...)
}

// pathless drops the path wrappers (which name the file) from err.
func pathless(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Op + ": " + le.Err.Error()
	}
	return err.Error()
}
