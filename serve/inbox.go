package serve

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"refdesk/textsafe"
)

// maxNameBytes is the longest file name kept (most file systems' limit).
const maxNameBytes = 255

// errInboxNotFolder: the inbox or the user's folder exists as a symbolic
// link or as something other than a folder.
var errInboxNotFolder = errors.New("inbox or user folder is not a plain folder")

// openUserInbox returns inbox/user opened as an os.Root, creating both
// folders (0700) if missing. It never follows a symbolic link at either
// level: an existing link or non-folder gives errInboxNotFolder. Errors carry
// no file names beyond the configured inbox.
func openUserInbox(inbox, user string) (*os.Root, error) {
	fi, err := os.Lstat(inbox)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.Mkdir(inbox, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		fi, err = os.Lstat(inbox)
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsDir() { // a link, a file, a device...
		return nil, errInboxNotFolder
	}
	top, err := os.OpenRoot(inbox)
	if err != nil {
		return nil, err
	}
	defer func() { _ = top.Close() }()
	if err := sameFolder(top, ".", fi); err != nil { // swapped since Lstat
		return nil, err
	}
	ufi, err := top.Lstat(user)
	if errors.Is(err, fs.ErrNotExist) {
		if err = top.Mkdir(user, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		ufi, err = top.Lstat(user)
	}
	if err != nil {
		return nil, err
	}
	if !ufi.Mode().IsDir() {
		return nil, errInboxNotFolder
	}
	root, err := top.OpenRoot(user)
	if err != nil {
		return nil, err
	}
	if err := sameFolder(root, ".", ufi); err != nil {
		_ = root.Close()
		return nil, err
	}
	sweepTemps(root, time.Now().Add(-staleTemp))
	return root, nil
}

// staleTemp is the age after which a temporary upload file is left over
// (an upload cut off by the process exiting before it could remove its
// temporary file): a live upload rewrites its file continually, and the
// connection's idle timeout ends a stalled one well before.
const staleTemp = 24 * time.Hour

// sweepInboxes removes, when the server starts, the temporary files of
// uploads cut off when it last stopped: before it serves, none can be in
// flight. Best effort; links and anything but folders are left alone.
func sweepInboxes(inbox string) {
	top, err := os.OpenRoot(inbox)
	if err != nil {
		return // no inbox yet, or unusable: the first upload says so
	}
	defer func() { _ = top.Close() }()
	dir, err := top.Open(".")
	if err != nil {
		return
	}
	entries, _ := dir.ReadDir(-1)
	_ = dir.Close()
	for _, e := range entries {
		if !e.IsDir() || !validInboxUser(e.Name()) {
			continue
		}
		if r, err := top.OpenRoot(e.Name()); err == nil {
			sweepTemps(r, time.Now().Add(time.Minute))
			_ = r.Close()
		}
	}
}

// sweepTemps removes temporary upload files last written before cutoff.
// Best effort: failures are ignored (the files are hidden from the picker).
func sweepTemps(root *os.Root, cutoff time.Time) {
	dir, err := root.Open(".")
	if err != nil {
		return
	}
	defer func() { _ = dir.Close() }()
	entries, _ := dir.ReadDir(-1)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, tempPrefix) || !strings.HasSuffix(name, tempSuffix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
			_ = root.Remove(name)
		}
	}
}

// sameFolder checks that name in r is the folder want (not one swapped in).
func sameFolder(r *os.Root, name string, want fs.FileInfo) error {
	got, err := r.Stat(name)
	if err != nil {
		return err
	}
	if !os.SameFile(got, want) {
		return errInboxNotFolder
	}
	return nil
}

// cleanName turns the name an scp client sent into the name kept: the base
// name only (after the last "/" or "\"), invalid UTF-8 replaced by "_",
// control characters removed, then textsafe.Clean (format and invisible
// characters such as right-to-left overrides removed, U+2028/U+2029 made
// spaces, combining-mark runs capped), leading dots and spaces and trailing spaces removed,
// at most maxNameBytes bytes (the stem is shortened, the extension kept).
// It reports false when nothing usable is left.
func cleanName(name string) (string, bool) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = textsafe.Clean(name) // format and invisible characters, separators, mark floods
	name = strings.TrimRight(strings.TrimLeft(name, ". "), " ")
	if name == "" {
		return "", false
	}
	return numbered(name, 1), true
}

// numbered returns name with " (n)" before its extension when n > 1,
// shortened to fit maxNameBytes.
func numbered(name string, n int) string {
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 32 {
		stem, ext = name[:i], name[i:]
	}
	suffix := ""
	if n > 1 {
		suffix = fmt.Sprintf(" (%d)", n)
	}
	budget := maxNameBytes - len(ext) - len(suffix)
	for len(stem) > budget {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + suffix + ext
}

// tempName is a hidden, random name that cleanName can never produce (it
// starts with a dot), so the desk's picker does not list it.
func tempName() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return tempPrefix + hex.EncodeToString(b[:]) + tempSuffix, nil
}

// The temporary file's name is tempPrefix, 24 hex digits, tempSuffix.
const (
	tempPrefix = ".refdesk-upload-"
	tempSuffix = ".part"
)
