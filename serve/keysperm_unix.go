//go:build unix

package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// checkKeysFile refuses an authorized_keys file that someone other than
// the server's user (or root) could have changed, as OpenSSH's StrictModes
// does: the file, or the folder holding it, writable by group or others (a
// folder with the sticky bit excepted, as /tmp), or owned by another user.
// The error says what to fix.
func checkKeysFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := checkOwner(path, fi, false); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	return checkOwner(dir, di, true)
}

func checkOwner(path string, fi os.FileInfo, isDir bool) error {
	mode := fi.Mode()
	if mode.Perm()&0o022 != 0 && !(isDir && mode&os.ModeSticky != 0) {
		return fmt.Errorf("%s is writable by group or others (mode %04o): anyone who can write it could let a key in; run chmod go-w %s", path, mode.Perm(), path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid && st.Uid != 0 {
		return fmt.Errorf("%s is owned by user id %d, not by the server's user (%d) or root; run chown %d %s", path, st.Uid, uid, uid, path)
	}
	return nil
}
