//go:build unix

package cli

import "golang.org/x/sys/unix"

// freeBytes is the space available to this user where dir is.
func freeBytes(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}
