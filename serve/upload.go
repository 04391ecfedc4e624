package serve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"charm.land/ssh"

	"refdesk/api"
)

// inboxWriter receives the files of one scp session into the user's inbox.
type inboxWriter struct {
	log   *slog.Logger
	attrs []any // the session's log attributes (no file names)
	max   int64
	root  *os.Root // the user's inbox folder
	dir   string   // its path, for the disk's free space
	quota int64    // most bytes the inbox may hold (0: no limit)
	// minFree is the free space the disk keeps: an upload that would
	// leave less is refused (0: no check).
	minFree int64
}

// How one file ended: saved, failed but the session goes on (the client
// reported an error of its own), or the session must end.
type fileResult int

const (
	fileSaved fileResult = iota
	fileFailed
	fileFatal
)

// receive speaks the receiving side of the classic scp protocol (what
// `scp -t` does on a server), files only, and returns the session's exit
// status. It is ours rather than wish's scp middleware because a file must
// be kept only once the status byte after its data says the client read it
// whole: OpenSSH's scp pads a file it could not finish reading (a removed
// USB stick, a network drive gone) with zeros and then reports the error
// in that byte.
func (w *inboxWriter) receive(sess ssh.Session) int {
	in := bufio.NewReader(sess)
	if _, err := sess.Write(scpOK); err != nil {
		return 1
	}
	code := 0
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && line == "" {
				return code // the client is done
			}
			return 1 // gone mid-line
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return scpFatal(sess, fmt.Sprintf(msgScpMalformed, safeUser(sess.User())))
		}
		switch line[0] {
		case 'T', 'E': // times (ignored: files get the time they arrive), end of a folder
			if _, err := sess.Write(scpOK); err != nil {
				return 1
			}
		case 'C':
			switch w.file(sess, in, line[1:]) {
			case fileFailed:
				code = 1
			case fileFatal:
				return 1
			}
		case 'D':
			w.outcome(0, "folder refused")
			return scpFatal(sess, fmt.Sprintf(msgNoFolders, safeUser(sess.User())))
		case 1: // a warning from the client, which has shown it already
			code = 1
		default: // 2: the client gave up; or not scp at all
			if line[0] != 2 {
				return scpFatal(sess, fmt.Sprintf(msgScpMalformed, safeUser(sess.User())))
			}
			return 1
		}
	}
}

// scpOK is the protocol's "go on".
var scpOK = []byte{0}

// file receives one file whose header (after "C") is "MODE SIZE NAME": refused
// before its data if too large or unnamed, written to a hidden temporary
// file, and linked under its cleaned name only once the client's status byte
// after the data says it was read whole. It never overwrites.
func (w *inboxWriter) file(sess ssh.Session, in *bufio.Reader, header string) fileResult {
	_, rest, _ := strings.Cut(header, " ") // the mode is ignored: files are 0600
	sizeText, rawName, ok := strings.Cut(rest, " ")
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if !ok || err != nil || size < 0 {
		w.outcome(0, "malformed")
		scpFatal(sess, fmt.Sprintf(msgScpMalformed, safeUser(sess.User())))
		return fileFatal
	}
	if size > w.max {
		w.outcome(size, "refused: too large")
		scpFatal(sess, fmt.Sprintf(msgTooLarge, api.HumanBytes(size), api.HumanBytes(w.max), api.HumanBytes(api.MaxRequestBytes)))
		return fileFatal
	}
	if msg, outcome := w.room(size); msg != "" {
		w.outcome(size, outcome)
		scpFatal(sess, msg)
		return fileFatal
	}
	name, ok := cleanName(rawName)
	if !ok {
		w.outcome(0, "refused: unusable name")
		scpFatal(sess, msgBadName)
		return fileFatal
	}
	tmp, err := tempName()
	if err != nil {
		return w.failed(sess, 0, "failed: temporary name", err)
	}
	f, err := w.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return w.failed(sess, 0, "failed: create", err)
	}
	defer func() { _ = w.root.Remove(tmp) }() // after a link (or a failure) the temporary name goes
	if _, err := sess.Write(scpOK); err != nil {
		_ = f.Close()
		return fileFatal
	}
	fw := &writeErr{w: f}
	n, err := io.CopyN(fw, in, size)
	if fw.err != nil { // the disk's fault, not the client's
		_ = f.Close()
		return w.failed(sess, n, "failed: write", fw.err)
	}
	if err != nil {
		_ = f.Close()
		w.outcome(n, "failed: interrupted")
		scpFatal(sess, msgInterrupted) // most likely nobody is left to read it
		return fileFatal
	}
	status, err := in.ReadByte()
	if err != nil {
		_ = f.Close()
		w.outcome(n, "failed: interrupted")
		return fileFatal
	}
	if status != 0 {
		// The client could not read its own file (and says why on its side):
		// nothing is kept, and its next files may still come.
		_, _ = in.ReadString('\n')
		_ = f.Close()
		w.outcome(n, "failed: the client could not read the file")
		if _, err := sess.Write(scpOK); err != nil {
			return fileFatal
		}
		return fileFailed
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return w.failed(sess, n, "failed: sync", err)
	}
	if err := f.Close(); err != nil {
		return w.failed(sess, n, "failed: close", err)
	}
	if err := commit(w.root, tmp, name); err != nil {
		return w.failed(sess, n, "failed: rename", err)
	}
	w.outcome(n, "saved")
	if _, err := sess.Write(scpOK); err != nil {
		return fileFatal
	}
	return fileSaved
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

// scpFatal sends msg as the protocol's fatal error (a 2 byte and the line),
// which the client prints as is, and returns the session's exit status.
func scpFatal(sess ssh.Session, msg string) int {
	_, _ = fmt.Fprintf(sess, "\x02%s\n", msg)
	return 1
}

// failed logs a server-side failure (the error without its path, which
// would carry the file name) and tells the client nothing was kept.
func (w *inboxWriter) failed(sess ssh.Session, n int64, outcome string, err error) fileResult {
	w.log.Warn("scp upload", append(w.attrs, "bytes", n, "outcome", outcome, "err", pathless(err))...)
	scpFatal(sess, msgNotSaved)
	return fileFatal
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
