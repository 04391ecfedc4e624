//go:build linux || darwin || freebsd

package serve

import "syscall"

// diskFree is the space an unprivileged user may still write on the file
// system holding dir (ok false when unknown).
func diskFree(dir string) (free int64, ok bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(uint64(st.Bavail) * uint64(st.Bsize)), true
}
