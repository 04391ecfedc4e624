// Package docroot confines file access to one folder: the documents folder
// of `refdesk serve --documents-dir` (for example where the clinic's scanner
// writes). Names that lead outside it by "..", by an absolute path or through
// a symbolic link are refused.
//
// Resolve checks a name and returns the real path, for showing and checking
// before use. Open opens through os.Root, which also refuses a link swapped in
// after a check, so use Open (not os.Open on Resolve's answer) to read.
//
// Errors never contain the name asked for: document names can carry patient
// names, and errors may be logged. The caller knows the name it asked about.
package docroot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Errors returned by Resolve and Open; test them with errors.Is.
var (
	// ErrOutside: the name leads outside the documents folder.
	ErrOutside = errors.New("docroot: that path leads outside the documents folder; choose a file inside it")
	// ErrEmpty: no name was given.
	ErrEmpty = errors.New("docroot: no file name given")
)

// Resolve returns the real, absolute path of name inside root, with every
// symbolic link resolved (in name and in root). name may be relative to root
// or absolute; either way it must end up inside root. A name that does not
// exist gives an error wrapping fs.ErrNotExist; one that leads outside gives
// ErrOutside.
func Resolve(root, name string) (string, error) {
	if name == "" {
		return "", ErrEmpty
	}
	realRoot, err := realDir(root)
	if err != nil {
		return "", err
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("docroot: documents folder: %w", err)
	}
	var candidate string
	if filepath.IsAbs(name) {
		candidate = filepath.Clean(name)
		// An absolute name may be spelled through root as configured or
		// through its real location; anything else is outside.
		if !within(absRoot, candidate) && !within(realRoot, candidate) {
			return "", ErrOutside
		}
	} else {
		candidate = filepath.Join(absRoot, name)
		if !within(absRoot, candidate) {
			return "", ErrOutside
		}
	}
	real, err := filepath.EvalSymlinks(candidate)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("docroot: no such file in the documents folder: %w", fs.ErrNotExist)
		}
		return "", fmt.Errorf("docroot: cannot resolve the file: %w", unwrapPath(err))
	}
	if !within(realRoot, real) {
		return "", ErrOutside
	}
	return real, nil
}

// Open opens name (relative to root, or absolute inside it) for reading,
// refusing escapes the same way as Resolve. It opens through os.Root, so a
// symbolic link that is changed to point outside between a check and the
// open is refused as well.
func Open(root, name string) (*os.File, error) {
	real, err := Resolve(root, name)
	if err != nil {
		return nil, err
	}
	realRoot, err := realDir(root)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil {
		return nil, ErrOutside
	}
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, fmt.Errorf("docroot: documents folder: %w", unwrapPath(err))
	}
	defer func() { _ = r.Close() }()
	f, err := r.Open(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("docroot: no such file in the documents folder: %w", fs.ErrNotExist)
		}
		// os.Root reports an escape as a path error ("path escapes from parent").
		return nil, ErrOutside
	}
	return f, nil
}

// realDir returns root's absolute path with symbolic links resolved, and
// checks that it is a directory.
func realDir(root string) (string, error) {
	if root == "" {
		return "", errors.New("docroot: no documents folder is configured")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("docroot: documents folder: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("docroot: the documents folder cannot be opened: %w", err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("docroot: the documents folder cannot be opened: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("docroot: the documents folder %s is not a folder", root)
	}
	return real, nil
}

// within reports whether path is dir or lies under it (both clean and
// absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// unwrapPath drops the *fs.PathError wrapper (which carries the file name)
// and keeps the underlying error.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
